import { ref, type Ref } from 'vue'

/** A tool with side effects the assistant wants to run, waiting for the person's answer. */
export interface ToolConsent {
  name: string
  args: Record<string, unknown>
}

/** The question "may this tool run?" on screen, and how it is asked and answered. */
export interface ToolConsentGate {
  /** Shown in the chat while the reply waits for the person to allow or refuse a tool (ChatToolConsent.vue). */
  consent: Ref<ToolConsent | null>
  /** Asks the person whether a tool with side effects may run; Stop while asking (`signal` aborted) counts as no. */
  askConsent: (request: ToolConsent, signal: AbortSignal) => Promise<boolean>
  /** The person's answer to the tool request on screen; nothing when none is asked. */
  answerTool: (allowed: boolean) => void
}

/** One gate per chat store: at most one tool request is on screen at a time (a turn runs its tools one by one). */
export function toolConsentGate(): ToolConsentGate {
  const consent = ref<ToolConsent | null>(null)
  let answerConsent: ((allowed: boolean) => void) | null = null

  function askConsent(request: ToolConsent, signal: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      if (signal.aborted)
        return resolve(false)
      const done = (allowed: boolean) => {
        signal.removeEventListener('abort', onAbort)
        consent.value = null
        answerConsent = null
        resolve(allowed)
      }
      const onAbort = () => done(false)
      signal.addEventListener('abort', onAbort, { once: true })
      consent.value = request
      answerConsent = done
    })
  }

  function answerTool(allowed: boolean): void {
    answerConsent?.(allowed)
  }

  return { consent, askConsent, answerTool }
}
