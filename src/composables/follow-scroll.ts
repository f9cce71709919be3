import { useResizeObserver } from '@vueuse/core'
import { nextTick, ref, watch, type Ref } from 'vue'

/** Within this many px of the end, the person reads the end of the chat and the chat follows what is added. */
export const FOLLOW_SLACK_PX = 80

/** What the chat shows, for telling a message added at its end from a switched version. */
export interface ChatShape {
  conversationId: string | null
  /** The ids of the messages on screen, in order (the branch shown). */
  ids: readonly string[]
  /** A reply is being written. */
  isBusy: boolean
}

/**
 * Whether the change from `prev` to `next` takes the chat to its end: another conversation, messages added at the
 * end, or a reply that starts (send, Regenerate, edit-and-resend). A version switched with < > is none of these: the
 * messages below it change, the person stays where they clicked (following it to the end moved the switched
 * message out of view: a newcomer's report).
 */
export function goesToEnd(prev: ChatShape | undefined, next: ChatShape): boolean {
  if (!prev || prev.conversationId !== next.conversationId || (next.isBusy && !prev.isBusy))
    return true
  return next.ids.length > prev.ids.length && prev.ids.every((id, i) => next.ids[i] === id)
}

function isSameBranch(a: ChatShape, b: ChatShape): boolean {
  return a.conversationId === b.conversationId && a.ids.length === b.ids.length && a.ids.every((id, i) => b.ids[i] === id)
}

/**
 * Keeps the end of a scrolling chat in view while it grows, unless the person scrolled up to read (issue 16 item 1):
 * `scroller` is the element that scrolls, `content` the element inside it that grows (the chat column).
 *
 * The growth is followed by a ResizeObserver on `content`, which the browser calls at most once per frame, after
 * layout: a streamed reply that grows with every delta costs one scroll per frame and no forced layout per delta
 * (reading `scrollHeight` after each DOM change would force one). A change of `shape` that `goesToEnd` (a new
 * message, another conversation, a reply that starts) goes to the end whatever the position and follows again; a
 * switched version leaves the scroll where it is and stops following until the person is back at the end.
 * `isActive` false (an empty chat shows its welcome from the top) leaves the scroll alone. While the person types in
 * a field inside `content` (editing an earlier message), its growth does not move the scroll: following it pushed
 * the open edit box out of view.
 */
export function useFollowScroll(scroller: Ref<HTMLElement | null>, content: Ref<HTMLElement | null>, shape: () => ChatShape, isActive: () => boolean) {
  /** The person reads the end of the chat; scrolling up to read sets it false until they come back to the end. */
  const isFollowing = ref(true)

  function toEnd(): void {
    const el = scroller.value
    if (el && isActive())
      el.scrollTop = el.scrollHeight
  }

  /** For the scroller's `scroll` event (passive). */
  function onScroll(): void {
    const el = scroller.value
    if (el)
      isFollowing.value = el.scrollHeight - el.scrollTop - el.clientHeight <= FOLLOW_SLACK_PX
  }

  watch(shape, async (next, prev) => {
    if (!goesToEnd(prev, next)) {
      // A reply that ended changes nothing; another branch on screen leaves the scroll where the person is.
      if (!isSameBranch(prev!, next))
        isFollowing.value = false
      return
    }
    isFollowing.value = true
    await nextTick()
    toEnd()
  })

  // Whatever makes the chat taller (a frame of the reply, its footer after it ends, a code block highlighted late)
  // keeps the end in view while the person follows it.
  useResizeObserver(content, () => {
    const typing = document.activeElement
    if (isFollowing.value && !(typing instanceof HTMLTextAreaElement && content.value?.contains(typing)))
      toEnd()
  })

  return { isFollowing, onScroll }
}
