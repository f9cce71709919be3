/**
 * What the cloud services (Gemini, OpenAI-compatible) share around their own wire protocol: the online check, the
 * busy/ready/error status, retries of transient failures, and one place where any failure becomes the AppError the
 * caller sees. Each service writes only `stream()` (one attempt) and, if it must, `toError()`.
 */
import { AppError, toAppError } from '../../shared/errors'
import { assertOnline, browserIsOnline } from './cloud-common'
import { retryingStream, type RetryOptions, type RetryPolicy } from './retry'
import type { AIService, Capabilities, ChatChunk, ChatRequest, ModelRef, ServiceStatus, Support } from '../../contract/types'

export interface CloudBaseOptions {
  retry?: Partial<RetryPolicy>
  onRetry?: RetryOptions['onRetry']
  /** Default `navigator.onLine`. */
  isOnline?: () => boolean
}

export abstract class CloudService implements AIService {
  abstract readonly id: 'gemini' | 'openai-compat'
  abstract readonly capabilities: Capabilities
  protected state: ServiceStatus = { state: 'idle' }
  protected readonly isOnline: () => boolean

  /** @param name the service as the user reads it in messages ("Gemini"). */
  constructor(protected readonly name: string, private readonly base: CloudBaseOptions) {
    this.isOnline = base.isOnline ?? browserIsOnline
  }

  abstract isSupported(): Promise<Support>
  abstract initialize(model: ModelRef): Promise<void>

  /** One attempt at a streamed answer; throws ServiceError for HTTP failures so retries can judge them. */
  protected abstract stream(model: ModelRef, req: ChatRequest, signal?: AbortSignal): AsyncGenerator<ChatChunk>

  /** Any failure as the error the caller sees. Gemini overrides it to scrub the key from messages. */
  protected toError(err: unknown, _signal?: AbortSignal): AppError {
    return toAppError(err, 'service_unavailable')
  }

  /** @throws AppError 'model_not_loaded' | 'offline' | 'rate_limited' | 'service_unavailable' | 'request_rejected' | 'bad_response' | 'aborted' */
  async* chat(req: ChatRequest, opts: { signal?: AbortSignal } = {}): AsyncIterable<ChatChunk> {
    const model = this.state.model
    if (!model)
      throw new AppError('model_not_loaded')
    assertOnline(this.isOnline, this.name)
    this.state = { state: 'busy', model }
    try {
      yield* retryingStream(() => this.stream(model, req, opts.signal), { policy: this.base.retry, signal: opts.signal, onRetry: this.base.onRetry })
      this.state = { state: 'ready', model }
    }
    catch (err) {
      const e = this.toError(err, opts.signal)
      this.state = e.code === 'aborted' ? { state: 'ready', model } : { state: 'error', model, errorCode: e.code }
      throw e
    }
  }

  status(): ServiceStatus {
    return { ...this.state }
  }

  async dispose(): Promise<void> {
    this.state = { state: 'idle' }
  }
}
