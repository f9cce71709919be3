import { computed, type Ref } from 'vue'
import { newestLeaf, versionMap, type Versions } from '../conversations/branches'
import type { StoredMessage } from '../conversations/types'
import type { ReplyNotice } from '../contract/types'
import { toAppError } from '../shared/errors'
import type { useConversationsStore } from './conversations'

/** What the version switcher (`< 1/2 >`) reads and changes in the chat store. */
export interface VersionState {
  /** Every message of the open conversation, every branch. */
  all: Ref<StoredMessage[]>
  /** The last message of the branch on screen; null: the newest branch. */
  leafId: Ref<string | null>
  isGenerating: Ref<boolean>
  /** The open conversation's id (null: none yet). */
  openId: () => string | null
  conversations: ReturnType<typeof useConversationsStore>
}

/** Moving between the versions of a message (branches.ts): what `< 1/2 >` shows and what its arrows do. */
export function versionNavigation(state: VersionState) {
  const { all, leafId, isGenerating, conversations } = state
  /**
   * Each message's place among its versions (`< 1/2 >`), by id. Recomputed when a message is added or removed (it
   * reads ids, order and parents only): a streamed delta does not touch it.
   */
  const versions = computed(() => versionMap(all.value))

  /** The versions of a message: its place and how many (a single message has `count` 1). */
  function versionsOf(messageId: string): Versions {
    return versions.value.get(messageId) ?? { index: 0, count: 1, ids: [messageId] }
  }

  /**
   * Shows another version of a message (`step` -1: the earlier one, +1: the later one) and, after it, the newest
   * branch that follows it. Kept in IndexedDB, so a reload shows the same branch. Not while a reply is written.
   */
  async function showVersion(messageId: string, step: -1 | 1): Promise<void> {
    const v = versionsOf(messageId)
    const target = v.ids[v.index + step]
    const openId = state.openId()
    if (isGenerating.value || !target || !openId)
      return
    leafId.value = newestLeaf(all.value, target)
    try {
      await (await conversations.db()).setLeaf(openId, leafId.value)
    }
    catch (err) {
      conversations.error = toAppError(err, 'conversations_unavailable')
    }
  }

  return { versions, versionsOf, showVersion }
}

/**
 * Why a regenerated reply reads exactly like the version before it: at temperature 0 decoding is greedy (the most
 * likely token every time), so the same conversation and settings give the same text. Undefined when the texts
 * differ, either is empty, or the temperature used was above 0.
 * @param temperature the temperature the regenerated reply was sampled with (after the model's recommendation)
 * @param isModelsTemperature the 0 came from the model's recommended settings, not the person's: raising Creativity
 *   alone changes nothing then (a newcomer saw 0.7 in Settings and was told to raise it)
 */
export function sameAnswerNotice(previous: StoredMessage, answer: StoredMessage, temperature: number | undefined, isModelsTemperature = false): ReplyNotice | undefined {
  if (temperature !== 0 || !answer.content.trim() || answer.content !== previous.content)
    return undefined
  return {
    code: 'same_answer',
    message: `Same answer as before: at temperature 0${isModelsTemperature ? ', which this model recommends,' : ''} the model always picks the most likely word, so the same settings give the same answer.`,
    nextStep: isModelsTemperature
      ? 'Turn off "Use the model\'s recommended settings" in Settings > Model and generation, then Regenerate.'
      : 'Raise Creativity (temperature) in Settings, then Regenerate.',
  }
}
