/**
 * Heading ids the way GitHub makes them, so `docs/troubleshooting.md#model_not_found` works both on GitHub and in the
 * in-app help. Framework-free: the link test runs it in Node.
 */
export function slugify(heading: string): string {
  return heading.trim().toLowerCase()
    .replace(/<[^>]*>/g, '')
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

/** The ids of a Markdown document's ATX headings (`#` to `######`), outside fenced code; repeats get `-1`, `-2`. */
export function headingIds(markdown: string): string[] {
  const ids: string[] = []
  const seen = new Map<string, number>()
  let isInFence = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line))
      isInFence = !isInFence
    const m = !isInFence && /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line)
    if (!m)
      continue
    const base = slugify(m[1]!.replace(/`/g, '').replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[*_]{2}/g, ''))
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    ids.push(n ? `${base}-${n}` : base)
  }
  return ids
}
