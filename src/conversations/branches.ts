/**
 * A conversation as a tree of messages: Regenerate adds another reply to the same question, edit-and-resend adds
 * another question after the same point, and both keep what was there as an earlier version. Each message names the
 * message it answers or follows (`parentId`, null for the first); the conversation remembers which message ends the
 * branch on screen (`leafId`). The model is sent only that branch (the path from the first message to the leaf).
 * Framework-free.
 */
import type { StoredMessage } from './types'

/** The parent a message has: its own `parentId`, or (a message written before branches existed) the one before it. */
function parentsOf(all: readonly StoredMessage[]): Map<string, string | null> {
  const sorted = [...all].sort((a, b) => a.seq - b.seq)
  const parents = new Map<string, string | null>()
  sorted.forEach((m, i) => parents.set(m.id, m.parentId !== undefined ? m.parentId : (sorted[i - 1]?.id ?? null)))
  return parents
}

/** The children of each message (key null: the first messages), oldest first. */
function childrenOf(all: readonly StoredMessage[]): Map<string | null, StoredMessage[]> {
  const parents = parentsOf(all)
  const children = new Map<string | null, StoredMessage[]>()
  for (const m of [...all].sort((a, b) => a.seq - b.seq)) {
    const parent = parents.get(m.id) ?? null
    children.set(parent, [...(children.get(parent) ?? []), m])
  }
  return children
}

/** The newest end of the branch that starts at `from`: at each step the most recently written child. */
export function newestLeaf(all: readonly StoredMessage[], from: string): string {
  const children = childrenOf(all)
  let id = from
  for (let next = children.get(id)?.at(-1); next; next = children.get(id)?.at(-1))
    id = next.id
  return id
}

/**
 * The messages of the branch that ends at `leafId`, first to last. Without a leaf (or one that is gone), the newest
 * branch: from the first message, always the most recently written child.
 */
export function activePath(all: readonly StoredMessage[], leafId: string | null | undefined): StoredMessage[] {
  if (!all.length)
    return []
  const byId = new Map(all.map(m => [m.id, m]))
  const parents = parentsOf(all)
  let leaf = leafId && byId.has(leafId) ? leafId : undefined
  if (!leaf) {
    const roots = childrenOf(all).get(null) ?? []
    const root = roots.at(-1)
    if (!root)
      return []
    leaf = newestLeaf(all, root.id)
  }
  const path: StoredMessage[] = []
  const seen = new Set<string>()
  for (let id: string | null = leaf; id && !seen.has(id); id = parents.get(id) ?? null) {
    seen.add(id)
    path.push(byId.get(id)!)
  }
  return path.reverse()
}

/** A message's place among its versions (the messages that follow the same parent): `index` is 0-based. */
export interface Versions {
  index: number
  count: number
  /** Ids of every version, oldest first. */
  ids: string[]
}

/** Every message's versions (itself and the messages that follow the same parent, oldest first), by id. */
export function versionMap(all: readonly StoredMessage[]): Map<string, Versions> {
  const map = new Map<string, Versions>()
  for (const siblings of childrenOf(all).values()) {
    const ids = siblings.map(m => m.id)
    ids.forEach((id, index) => map.set(id, { index, count: ids.length, ids }))
  }
  return map
}

/**
 * Every message with an explicit parent, ids kept: a list written before branches existed (sorted by `seq`) becomes
 * one linear branch. Used by the database upgrade and by imports of files without parents.
 */
export function withParents<T extends StoredMessage>(messages: readonly T[]): T[] {
  const parents = parentsOf(messages)
  return messages.map(m => ({ ...m, parentId: parents.get(m.id) ?? null }))
}
