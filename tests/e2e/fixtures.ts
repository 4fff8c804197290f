import { test as base, expect, type Page } from '@playwright/test';

/**
 * Every e2e test runs with a guard that records any request leaving the app's origin: Inloop
 * must never send data anywhere. The guard blocks such requests and fails the test afterwards.
 * It also records CSP violations, which would mean the app needs something the policy forbids.
 */
export const test = base.extend<{ foreignRequests: string[]; cspViolations: string[] }>({
  foreignRequests: [
    async ({ context, baseURL }, use) => {
      const origin = new URL(baseURL!).origin;
      const foreign: string[] = [];
      await context.route('**/*', async (route) => {
        const url = route.request().url();
        if (isOwn(url, origin)) return route.continue();
        foreign.push(url);
        return route.abort('blockedbyclient');
      });
      await use(foreign);
      expect(foreign, 'requests to other origins').toEqual([]);
    },
    { auto: true },
  ],
  cspViolations: [
    async ({ context }, use) => {
      const violations: string[] = [];
      await context.exposeBinding('__reportCspViolation', (_source, text: string) => {
        violations.push(text);
      });
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          const report = (window as unknown as { __reportCspViolation: (t: string) => void })
            .__reportCspViolation;
          report(
            `${e.violatedDirective} blocked ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`,
          );
        });
      });
      await use(violations);
      expect(violations, 'Content-Security-Policy violations').toEqual([]);
    },
    { auto: true },
  ],
});

function isOwn(url: string, origin: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:')) return true;
  return new URL(url).origin === origin;
}

export { expect };

/** Creates a project through the UI, the way a user does. */
export async function createProject(
  page: Page,
  name: string,
  classes: string[] = ['cat', 'dog'],
): Promise<void> {
  const newButton = page.getByRole('button', { name: 'New project' });
  if (await newButton.isVisible()) await newButton.click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  for (const [i, c] of classes.entries()) {
    if (i >= 2) await page.getByRole('button', { name: 'Add class' }).click();
    await page.getByLabel(`Class ${i + 1} name`).fill(c);
  }
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('table', { name: 'Projects' })).toContainText(name);
}

/**
 * On the Models page: registers the latest completed run as version 1 and promotes it through the
 * gate as the project's first champion (no comparison needed), the way a user does.
 */
export async function promoteFirstChampion(page: Page): Promise<void> {
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('models-page')).toBeVisible();
  await page.getByTestId('register-submit').click();
  await expect(page.getByTestId('version-row')).toHaveCount(1);
  await page.getByRole('button', { name: 'Open version 1', exact: true }).click();
  await page.getByTestId('promote').click();
  await expect(page.getByTestId('gate-verdict')).toContainText('First champion', {
    timeout: 60_000,
  });
  await page.getByTestId('gate-promote').click();
  await expect(page.getByTestId('version-row').first()).toContainText('champion');
}
