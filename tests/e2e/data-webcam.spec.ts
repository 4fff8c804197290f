import { chromiumArgs, chromiumPath } from '../../scripts/chromium.js';
import { expect, test } from './fixtures';

// Webcam capture on the Data page of an image project, with Chromium's fake camera (a generated
// test pattern) and an auto-accepted permission prompt. A file of its own: launch options force
// a separate browser.
test.use({
  launchOptions: {
    executablePath: chromiumPath,
    args: [...chromiumArgs, '--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'],
  },
});

test('snapshots from the camera import as images', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Name', { exact: true }).fill('Camera shots');
  await page.getByRole('radio', { name: /Image/ }).check();
  await page.getByLabel('Class 1 name').fill('thumbs up');
  await page.getByLabel('Class 2 name').fill('thumbs down');
  await page.getByRole('button', { name: 'Create project' }).click();
  await page.getByRole('link', { name: /Data/ }).click();
  await page.getByRole('button', { name: 'Import data' }).click();
  await page.getByRole('button', { name: 'Use camera' }).click();

  const snap = page.getByRole('button', { name: 'Take snapshot' });
  await expect(snap).toBeEnabled();
  await snap.click();
  await snap.click();
  await expect(page.getByText('2 taken')).toBeVisible();
  await expect(page.getByTestId('picked')).toContainText('2 files');
  await page.getByRole('button', { name: 'Close camera' }).click();

  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.getByTestId('import-result')).toContainText('Imported 2 images');
  await expect(page.getByTestId('thumb')).toHaveCount(2);
  await expect(page.getByTestId('thumb').first().locator('img')).toBeVisible();
});
