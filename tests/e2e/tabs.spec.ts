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
