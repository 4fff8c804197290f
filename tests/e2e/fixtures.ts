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
