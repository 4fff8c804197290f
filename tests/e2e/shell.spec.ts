import { createProject, expect, test } from './fixtures';

test('a project survives a reload, and can be renamed, switched and deleted', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start your first project' })).toBeVisible();

  await createProject(page, 'Churn', ['stays', 'leaves']);
  await createProject(page, 'Reviews', ['negative', 'neutral', 'positive']);

  await page.reload();
  const table = page.getByRole('table', { name: 'Projects' });
  await expect(table).toContainText('Churn');
  await expect(table).toContainText('Reviews');
  // The last created project is the open one, also after reload.
  await expect(page.getByRole('row', { name: /Reviews/ })).toHaveAttribute('aria-current', 'true');

  await page.getByRole('button', { name: 'Rename Churn' }).click();
  await page.getByLabel('New name for Churn').fill('Customer churn');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(table).toContainText('Customer churn');

  // Opening a project goes on to its Data page, as a demo does.
  await page.getByRole('button', { name: 'Open Customer churn' }).click();
  await expect(page).toHaveURL(/#\/data$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Data' })).toBeFocused();
  await page.keyboard.press('Alt+1');
  await expect(page.getByRole('row', { name: /Customer churn/ })).toHaveAttribute(
    'aria-current',
    'true',
  );

  await page.getByRole('button', { name: 'Delete Reviews' }).click();
  const dialog = page.getByRole('dialog', { name: /Delete “Reviews”/ });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Delete project' }).click();
  await expect(table).not.toContainText('Reviews');

  await page.reload();
  await expect(table).toContainText('Customer churn');
  await expect(table).not.toContainText('Reviews');
});

test('invalid project input gets a clear error and creates nothing', async ({ page }) => {
  await page.goto('/');
  await page.getByLabel('Name', { exact: true }).fill('Dup keys');
  await page.getByLabel('Class 1 name').fill('a');
  await page.getByLabel('Class 2 name').fill('b');
  await page.getByLabel('Class 2 hotkey').fill('1');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('alert')).toContainText('share the hotkey “1”');
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Start your first project' })).toBeVisible();
});

test('the sections of the journey are reachable by keyboard', async ({ page }) => {
  await page.goto('/');
  await createProject(page, 'Digits', ['zero', 'one']);
  await page.keyboard.press('Alt+4');
  await expect(page).toHaveURL(/#\/train$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Train' })).toBeVisible();
  await expect(page.getByRole('link', { name: /Train/ })).toHaveAttribute('aria-current', 'page');
  await page.keyboard.press('Alt+1');
  await expect(page.getByRole('heading', { level: 1, name: 'Projects' })).toBeVisible();
});

test('the ML worker runs on the fastest measured backend, never the software adapter, and says why', async ({
  page,
}) => {
  const response = await page.goto('/');
  // Cross-origin isolated (COOP/COEP), and everything still loads under it.
  expect(response?.headers()['cross-origin-opener-policy']).toBe('same-origin');
  expect(response?.headers()['cross-origin-embedder-policy']).toBe('require-corp');
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
  const badge = page.getByTestId('backend-badge');
  // This machine has no GPU: WebGPU is SwiftShader, ~35x slower than the CPU side.
  await expect(badge).toContainText('CPU (wasm, SIMD', { timeout: 90_000 });
  await expect(badge).toHaveAttribute('title', /WebGPU on this device's software adapter/);
  await badge.click();
  const settings = page.getByRole('dialog', { name: 'Settings' });
  const region = settings.getByRole('region', { name: 'Active backend' });
  await expect(region.getByTestId('backend-reason')).toContainText('a training step takes');
  const table = region.getByRole('table', { name: 'Measured backends' });
  await expect(table).toContainText('WebGPU · swiftshader (fallback) — software');
  await expect(region).toContainText('Adapter');

  // Forcing a backend is honoured, and the badge says it was forced.
  await settings.getByLabel('Compute backend').selectOption('cpu');
  await expect(badge).toHaveText(/Compute backend:\s*CPU\s*$/, { timeout: 90_000 });
  await expect(region.getByTestId('backend-reason')).toContainText('Forced in Settings');
  await settings.getByLabel('Compute backend').selectOption('auto');
  await expect(badge).toContainText('CPU (wasm', { timeout: 90_000 });
});

test('the page runs under the strict Content-Security-Policy', async ({ page, cspViolations }) => {
  const response = await page.goto('/');
  const header = response?.headers()['content-security-policy'] ?? '';
  expect(header).toContain("default-src 'self'");
  expect(header).toContain("connect-src 'self'");
  const meta = await page
    .locator('meta[http-equiv="Content-Security-Policy"]')
    .getAttribute('content');
  expect(meta).toContain("script-src 'self' 'wasm-unsafe-eval'");
  await expect(page.getByRole('heading', { name: 'Start your first project' })).toBeVisible();
  expect(cspViolations, 'the app itself needs nothing the policy forbids').toEqual([]);

  // The policy is in force, not only present: an injected inline script does not run.
  const ran = await page.evaluate(async () => {
    const script = document.createElement('script');
    script.textContent = 'window.__injected = true';
    document.body.append(script);
    await new Promise((r) => setTimeout(r, 100));
    return (window as unknown as { __injected?: boolean }).__injected === true;
  });
  expect(ran).toBe(false);
  // One report per policy in force (the header and the meta tag).
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  for (const v of cspViolations) expect(v).toContain('script-src');
  cspViolations.length = 0; // expected: the fixture fails on any other violation
});
