import { useResizeObserver } from '@vueuse/core'
import { nextTick, ref, watch, type Ref, type WatchSource } from 'vue'

/** Within this many px of the end, the person reads the end of the chat and the chat follows what is added. */
export const FOLLOW_SLACK_PX = 80

/**
 * Keeps the end of a scrolling chat in view while it grows, unless the person scrolled up to read (issue 16 item 1):
 * `scroller` is the element that scrolls, `content` the element inside it that grows (the chat column).
 *
 * The growth is followed by a ResizeObserver on `content`, which the browser calls at most once per frame, after
 * layout: a streamed reply that grows with every delta costs one scroll per frame and no forced layout per delta
 * (reading `scrollHeight` after each DOM change would force one). A change of `structure` (a new message, another
 * conversation) goes to the end whatever the position and follows again. `isActive` false (an empty chat shows its
 * welcome from the top) leaves the scroll alone. While the person types in a field inside `content` (editing an
 * earlier message), its growth does not move the scroll: following it pushed the open edit box out of view.
 */
export function useFollowScroll(scroller: Ref<HTMLElement | null>, content: Ref<HTMLElement | null>, structure: WatchSource, isActive: () => boolean) {
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

  watch(structure, async () => {
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
