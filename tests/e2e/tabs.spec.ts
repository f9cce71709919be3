/** One model per origin: a second tab does not load a second copy; it may take the engine over. */
import { expect, test } from '@playwright/test'
import { ask, downloadStories, openApp, openModels, setGreedy, storiesCard } from './helpers'

test('a second tab is told the model is in use, and taking over unloads it in the first tab', async ({ context }) => {
  const first = await context.newPage()
  await openApp(first)
  await downloadStories(first)

  const second = await context.newPage()
  await openApp(second, '/models')
  await expect(second.getByTestId('error')).toHaveAttribute('data-code', 'busy_elsewhere')
  await expect(storiesCard(second).getByTestId('model-state')).toHaveText('Downloaded')

  await second.getByTestId('take-over').click()
  await expect(storiesCard(second).getByTestId('model-state')).toHaveText('Loaded')
  await openModels(first)
  await expect(first.getByTestId('taken-over')).toBeVisible()
  await expect(storiesCard(first).getByTestId('model-state')).toHaveText('Downloaded')

  await setGreedy(second)
  expect(await ask(second, 'Once upon a time')).toContain('there was a little girl named Lily')
})

test('in a second tab, "Use the model here" on a reply that failed takes the model over and answers it; the first tab says the model moved, and a reply that fails there shows in the holding tab as sent elsewhere, with Retry', async ({ context }) => {
  const first = await context.newPage()
  await openApp(first)
  await downloadStories(first)
  await setGreedy(first)

  const second = await context.newPage()
  await openApp(second)
  // The model being in another tab is not a fault of this one: the chip is not red before anything is sent.
  const chip = second.getByTestId('status-chip')
  await expect(chip).not.toHaveClass(/\berror\b/)
  await second.getByTestId('prompt').fill('Once upon a time')
  await second.getByTestId('send').click()
  const reply = second.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(reply.getByTestId('reply-error').getByTestId('error')).toHaveAttribute('data-code', 'busy_elsewhere')

  await reply.getByTestId('next-step-take-over').click()
  // The failed reply is sent again at once: no Retry press, no error card left, the chip ready.
  await expect(reply.getByTestId('message-content')).toContainText('there was a little girl named Lily', { timeout: 60_000 })
  await expect(reply.getByTestId('reply-error')).toHaveCount(0)
  await expect(chip).not.toHaveClass(/\berror\b/)

  await openModels(first)
  await expect(first.getByTestId('taken-over')).toBeVisible()
  await expect(first.getByTestId('error')).toHaveCount(0)
  await expect(first.getByTestId('model-picker').locator('option:checked')).toHaveText('stories260K (moved to another tab)')

  // The first tab, without the model now, sends in the same conversation: its reply fails there with busy_elsewhere.
  // The second tab, which holds the model, sees that failed reply too (the conversation is shared): not the card
  // "The model is open in another tab" beside its own "ready", but what happened, and Retry answers it there.
  await first.getByTestId('nav-chat').click()
  await first.getByTestId('conversations').locator('[data-testid=conversation][data-title="Once upon a time"]').getByTestId('open-conversation').click()
  // Before sending, the hint says where the model is (it promised "your message loads stories260K first").
  await expect(first.getByTestId('moved-hint')).toContainText('is open in another tab')
  await expect(first.getByTestId('moved-hint').getByTestId('take-back')).toBeVisible()
  await first.getByTestId('prompt').fill('Once upon a time')
  await first.getByTestId('send').click()
  const failedThere = first.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(failedThere.getByTestId('error')).toHaveAttribute('data-code', 'busy_elsewhere')
  const seenHere = second.locator('[data-testid=chat-message][data-role=assistant]').last()
  await expect(seenHere.getByTestId('reply-moved')).toContainText('this tab had the model')
  await expect(second.locator('[data-testid=error][data-code=busy_elsewhere]')).toHaveCount(0)
  await seenHere.getByTestId('next-step-retry').click()
  await expect(second.locator('[data-testid=chat-message][data-role=assistant]').last().getByTestId('message-content')).toContainText('Lily', { timeout: 60_000 })
})
