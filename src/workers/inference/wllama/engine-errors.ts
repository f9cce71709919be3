/**
 * What the inference worker says when wllama fails during an answer: the person's words and the file concerned, never
 * the engine's own exception text. Pure, so it is tested without WebAssembly.
 */
import { AppError } from '../../../shared/errors'

/**
 * llama.cpp refuses a prompt longer than the context before processing it, with its exact size: "request (802 tokens)
 * exceeds the available context size (256 tokens), try increasing it". That count is `context_exceeded`'s details.
 */
export function contextError(err: unknown): AppError | undefined {
  const match = /request \((\d+) tokens\) exceeds the available context size \((\d+) tokens\)/.exec(err instanceof Error ? err.message : String(err))
  if (!match)
    return undefined
  const [promptTokens, nCtx] = [Number(match[1]), Number(match[2])]
  return new AppError('context_exceeded', `The prompt needs ${promptTokens} tokens, but the model's context holds ${nCtx}.`, { details: { promptTokens, nCtx } })
}

/**
 * A failure inside wllama while it wrote an answer, in the person's words, naming the model file. Its own text stays
 * out of the message ("Invalid typed array length: 1163217991" from a random-weight model reached a newcomer's
 * screen) and goes to the console of the worker, for a bug report.
 */
export function engineError(err: unknown, file: string): AppError {
  if (err instanceof AppError)
    return err
  console.warn('wllama failed while writing an answer', err)
  return new AppError('inference_failed', `${file.split('/').pop() || file} failed inside the engine while writing this answer, so the answer stops here.`, { cause: err })
}
