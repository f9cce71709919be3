/**
 * The app's OpenAI-compatible backend against a real llama.cpp server (llama-cpp-python's `llama_cpp.server`, built
 * from PyPI by scripts/ensure-llama-server.mjs) serving SmolLM2-135M-Instruct on 127.0.0.1, as a person who runs
 * their own server would use it: the fixture servers replay protocol quirks, this one is the real thing.
 * Before: every reply said "0.0 tokens/s" (this server sends no `usage` in a stream, whatever
 * `stream_options.include_usage` asks, and the rate was computed from the missing count as 0), the picker named no
 * model, and a server that went away mid-answer turned the text so far into "Not answered".
 */
import { join } from 'node:path'
import { expect, test, type Page } from '@playwright/test'
import { closeSettings, openApp, openChat, openSettings, reloadUnderCspFor, showSetting, stopMidAnswer } from './helpers'
import { startLlamaServer, type LlamaServer } from './llama-server'
import { E2E_MODELS_DIR } from './models-fixture'

const MODEL_FILE = 'SmolLM2-135M-Instruct.Q4_1.gguf'
const answers = (page: Page) => page.locator('[data-testid=chat-message][data-role=assistant]')

interface SentBody { model: string, stream: boolean, messages: Array<{ role: string, content: string }> }

/** Sends `text`; returns the new reply's locator. */
async function submit(page: Page, text: string) {
  const before = await answers(page).count()
  await page.getByTestId('prompt').fill(text)
  await page.getByTestId('send').click()
  await expect(answers(page)).toHaveCount(before + 1)
  return answers(page).last()
}

/** Sends `text` and waits until the reply settles. */
async function send(page: Page, text: string) {
  const reply = await submit(page, text)
  await expect(reply).toHaveAttribute('data-status', /^(done|error|stopped)$/, { timeout: 120_000 })
  return reply
}

const LONG_PROMPTS = ['Write a very long story about a dragon and a knight.', 'List the numbers from 1 to 300, each on its own line.']

/**
 * Sends `text` and returns its reply once it has streamed some text and is still being written. The 135M model,
 * greedy, sometimes ends at once whatever it is asked (this server build answered "L'Étoile, la Cité" to a count), so
 * when a reply is already over, the next prompt asking for a long answer is tried, in a new chat.
 */
async function sendLong(page: Page, text: string) {
  for (const prompt of [text, ...LONG_PROMPTS]) {
    const reply = await submit(page, prompt)
    await expect(reply.getByTestId('message-content')).toHaveText(/[^\s▍]/, { timeout: 120_000 })
    if (await reply.getAttribute('data-status') === 'streaming')
      return reply
    await expect(reply).toHaveAttribute('data-status', /^(done|error|stopped)$/)
    await page.getByTestId('new-conversation').click()
  }
  throw new Error('Every long answer ended at once: nothing to stop mid-answer.')
}

test('a real llama.cpp server: streamed answers, Stop, history, a crash mid-answer, its model name, no made-up speed', async ({ page }) => {
  test.setTimeout(600_000) // two shared cores: the server's first prompt and the page's loads are slow under load
  const model = join(E2E_MODELS_DIR, MODEL_FILE)
  // One thread: the machine's other core stays with the browser.
  const server: LlamaServer = await startLlamaServer(model, ['--n_ctx', '2048', '--n_threads', '1'])
  const sent: SentBody[] = []
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url() === `${server.url}/v1/chat/completions`)
      sent.push(r.postDataJSON() as SentBody)
  })
  try {
    const reported = (await (await fetch(`${server.url}/v1/models`)).json() as { data: Array<{ id: string }> }).data.map(m => m.id)
    expect(reported).toHaveLength(1)

    await openApp(page)
    await openSettings(page)
    // As a newcomer sets it up: the address with /v1 and no model name (the server says which it serves).
    await (await showSetting(page, 'setting-backend')).selectOption('openai-compat')
    await (await showSetting(page, 'setting-openai-url')).fill(`${server.url}/v1`)
    await (await showSetting(page, 'setting-tool-use')).selectOption('off')
    await (await showSetting(page, 'setting-temperature')).fill('0')
    await (await showSetting(page, 'setting-max-tokens')).fill('48')
    await closeSettings(page)
    await reloadUnderCspFor(page, server.url)

    await test.step('the picker shows the model the server reports', async () => {
      await expect(page.getByTestId('model-picker').locator('option:checked')).toHaveText(`Your server: ${MODEL_FILE}`)
      expect(reported[0]!.endsWith(MODEL_FILE)).toBe(true)
    })

    await test.step('a streamed answer, without a made-up speed', async () => {
      await openChat(page)
      const reply = await send(page, 'What is the capital of France?')
      await expect(reply).toHaveAttribute('data-status', 'done')
      // What a 135M model knows is not the point (greedy, it once answered "L'Étoile..."): that it answered is.
      await expect(reply.getByTestId('message-content')).toHaveText(/\w{3}/)
      await expect(reply.getByTestId('reply-backend')).toHaveText('openai-compat')
      await expect(reply.getByTestId('reply-model')).toHaveText(reported[0]!)
      expect(sent.at(-1)).toMatchObject({ model: reported[0], stream: true })
      // llama-cpp-python reports no token counts in a stream: no speed is shown rather than "0.0 tokens/s".
      await expect(reply.getByTestId('reply-ttft')).toBeVisible()
      await expect(reply.getByTestId('reply-tps')).toHaveCount(0)
      await expect(reply.getByTestId('reply-info')).not.toContainText('tokens/s')
    })

    await test.step('a second turn is answered with the history', async () => {
      const first = ((await answers(page).last().getByTestId('message-content').textContent()) ?? '').trim()
      const reply = await send(page, 'Repeat the city you just named, in one word.')
      await expect(reply).toHaveAttribute('data-status', 'done')
      await expect(reply.getByTestId('message-content')).toHaveText(/\w/)
      const body = sent.at(-1)!
      expect(body.messages.map(m => m.role)).toEqual(['user', 'assistant', 'user'])
      expect(body.messages[0]!.content).toBe('What is the capital of France?')
      expect(body.messages[1]!.content.trim()).toBe(first)
    })

    await test.step('Stop mid-answer keeps the text and the server stops generating', async () => {
      await openSettings(page)
      await (await showSetting(page, 'setting-max-tokens')).fill('1500')
      await closeSettings(page)
      // The server logs "Disconnected from client" for a completion cut short, and llama.cpp's "total time" for one it
      // finished: a Stop that reached the server after its last token (15 tokens of a short count, in one run) is not
      // a Stop mid-answer, so the next long prompt is tried.
      const lastCompletion = () => server.log().slice(server.log().lastIndexOf('POST /v1/chat/completions'))
      const stoppedInTime = async () => {
        await expect.poll(() => /Disconnected from client|total time/.test(lastCompletion()), { timeout: 60_000 }).toBe(true)
        return lastCompletion().includes('Disconnected from client')
      }
      const reply = await stopMidAnswer(page, [...LONG_PROMPTS, 'Count from 1 to 500, one number per line.'], stoppedInTime)
      await expect(reply.getByTestId('stopped')).toBeVisible()
      expect(((await reply.getByTestId('message-content').textContent()) ?? '').trim()).not.toBe('')
      // The next request is answered: the server is not still writing the stopped one.
      await openSettings(page)
      await (await showSetting(page, 'setting-max-tokens')).fill('48')
      await closeSettings(page)
      await expect(await send(page, 'What is the capital of France?')).toHaveAttribute('data-status', 'done')
    })

    await test.step('the server dies mid-answer: the text so far stays, with a notice', async () => {
      await openSettings(page)
      await (await showSetting(page, 'setting-max-tokens')).fill('1500')
      await closeSettings(page)
      // A new chat, so the count starts from the same prompt as a newcomer's: with the earlier turns in its history
      // the 135M model once answered "L'Étoile, la Cité (The City)" and ended before the server could be stopped.
      await page.getByTestId('new-conversation').click()
      // The server is frozen before the reply is looked at, so the reply cannot end between the look and the kill.
      let reply = await sendLong(page, 'Count from 1 to 500, one number per line.')
      for (const prompt of LONG_PROMPTS) {
        server.pause()
        if (await reply.getAttribute('data-status') === 'streaming')
          break
        server.resume()
        await expect(reply).toHaveAttribute('data-status', /^(done|error|stopped)$/)
        await page.getByTestId('new-conversation').click()
        reply = await sendLong(page, prompt)
      }
      server.pause()
      expect(await reply.getAttribute('data-status')).toBe('streaming')
      await server.kill()
      await expect(reply).toHaveAttribute('data-status', 'done', { timeout: 60_000 })
      await expect(reply.getByTestId('reply-notice')).toHaveAttribute('data-code', 'connection_lost')
      await expect(reply.getByTestId('reply-notice')).toContainText('The server at 127.0.0.1')
      await expect(reply.getByTestId('reply-error')).toHaveCount(0)
      expect(((await reply.getByTestId('message-content').textContent()) ?? '').trim()).not.toBe('')
    })
  }
  finally {
    await server.close()
  }
})
