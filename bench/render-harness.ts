/**
 * Browser side of the `render` bench case (issue 21 item 1): a reply streamed into the app's real chat components
 * (ChatMessageList, following the end as ChatPanel does -> ChatMessage -> ChatMarkdown -> ChatCodeBlock /
 * ChatMarkdownHtml, highlight.js loaded), one delta per timer task at a fixed rate, as the inference worker's chunk
 * events arrive. The deltas go through the chat store's own delta path (`streamInto`, stores/chat-turn.ts: what the
 * turn runner's `onDelta` calls), so its batching per frame is what is measured; at the end the turn settles as in
 * the store (`flush`, then the status). The runner (bench/render.mjs) traces the main thread around `renderStream`
 * and divides its task time by the number of deltas.
 */
import { createApp, h, nextTick, ref, type App, type Ref } from 'vue'
import ChatMessageList from '../src/components/chat/ChatMessageList.vue'
import type { ChatEntry } from '../src/stores/chat'
import { streamInto } from '../src/stores/chat-turn'
import { loadHighlighter } from '../src/utils/highlight'

const WORDS = ('the quick model reads every word of the story and writes a short answer about a small town where a '
  + 'baker, a teacher and a dog share one garden that grows apples, beans and tall yellow flowers').split(' ')

/** One section of a long Markdown reply: heading, paragraph, list, code block, table (what chat replies hold). */
function section(i: number): string {
  const word = (k: number) => WORDS[(k * 7 + i * 13) % WORDS.length]
  const sentence = (k: number, n: number) => Array.from({ length: n }, (_, j) => word(k + j)).join(' ')
  return [
    `## Part ${i + 1}: ${sentence(i, 3)}`, '',
    `${sentence(i, 24)}, with **${word(i + 1)}** and \`${word(i + 2)}()\`. ${sentence(i + 5, 18)}.`, '',
    `- ${sentence(i + 1, 6)}`, `- ${sentence(i + 2, 7)}`, `- ${sentence(i + 3, 5)}`, '',
    '```ts', `export function part${i}(input: string[]): Map<string, number> {`, '  const counts = new Map<string, number>()',
    '  for (const word of input)', '    counts.set(word, (counts.get(word) ?? 0) + 1) // count each word',
    `  return counts // ${sentence(i, 4)}`, '}', '```', '',
    '| Word | Count | Note |', '|---|---|---|',
    ...Array.from({ length: 4 }, (_, r) => `| ${word(i + r)} | ${r * 3 + i} | ${sentence(i + r, 3)} |`), '', '',
  ].join('\n')
}

/** The first `n` deltas of a long reply: a word with the space or line breaks before it, as tokenizers cut text. */
export function replyDeltas(n: number): string[] {
  const out: string[] = []
  for (let i = 0; out.length < n; i++)
    out.push(...section(i).split(/(?=[ \n]+\S)/))
  return out.slice(0, n)
}

let mounted: { app: App, host: HTMLElement, messages: Ref<ChatEntry[]> } | null = null

/**
 * Mounts the chat's message list (a question and an empty streaming reply, held in a reactive array as the chat store
 * holds them) in a chat-sized box, and loads the highlighter (outside the measured window).
 */
export async function renderPrepare(): Promise<void> {
  renderCleanup()
  await loadHighlighter()
  const host = document.createElement('div')
  host.style.cssText = 'width: 800px; height: 700px; display: flex; flex-direction: column; font: 16px sans-serif'
  document.body.append(host)
  const at = Date.now()
  const messages = ref<ChatEntry[]>([
    { id: 'question', conversationId: 'bench', seq: 0, parentId: null, role: 'user', content: 'Write a long guide.', status: 'done', createdAt: at },
    { id: 'reply', conversationId: 'bench', seq: 1, parentId: 'question', role: 'assistant', content: '', status: 'streaming', createdAt: at },
  ])
  const app = createApp({ setup: () => () => h(ChatMessageList, { messages: messages.value, conversationId: 'bench', isBusy: true, versions: new Map(), unsaved: new Set<string>() }) })
  app.mount(host)
  mounted = { app, host, messages }
  await nextTick()
}

/**
 * Streams `count` deltas into the mounted reply, one per timer task every `intervalMs`, following the reply with the
 * scroll as the chat does; resolves two frames after the last one (its render is inside the window).
 * Returns how many deltas arrived and the reply's length in characters.
 */
export async function renderStream(count: number, intervalMs: number): Promise<{ deltas: number, chars: number }> {
  const target = mounted
  if (!target)
    throw new Error('renderPrepare first')
  const deltas = replyDeltas(count)
  // The reply as the store holds it (its reactive proxy), streamed as the store streams a turn; nothing is saved.
  const answer = target.messages.value[1]!
  const stream = streamInto(answer, () => {})
  await new Promise<void>((resolve) => {
    let i = 0
    const timer = setInterval(() => {
      stream.onDelta(deltas[i++]!)
      if (i === deltas.length) {
        clearInterval(timer)
        resolve()
      }
    }, intervalMs)
  })
  stream.flush()
  answer.status = 'done'
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))
  const scroller = target.host.querySelector<HTMLElement>('.scroller')!
  if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight > 80)
    throw new Error('the chat stopped following the reply')
  return { deltas: deltas.length, chars: answer.content.length }
}

export function renderCleanup(): void {
  mounted?.app.unmount()
  mounted?.host.remove()
  mounted = null
}
