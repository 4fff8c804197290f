import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, promoteFirstChampion, test } from './fixtures';

// Accessibility on the built app: axe-core over every section, its tabs and its dialogs, in both
// themes, with the Penguins demo opened, trained, registered and promoted so the pages show their
// real content (tables, confusion matrix, gate). Any violation fails the test and is printed.
// Keyboard checks follow: focus lands on the page heading after navigation, document.title names
// the section, dialogs give focus back, tab lists take arrow keys.

interface Found {
  where: string;
  rule: string;
  impact: string;
  nodes: string[];
}

async function axe(page: Page, where: string, found: Found[]): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  for (const v of result.violations) {
    found.push({
      where,
      rule: v.id,
      impact: v.impact ?? '',
      nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
    });
  }
}

/** The confusion matrix's cells whose number has less than 4.5:1 against the cell. */
async function matrixContrasts(page: Page): Promise<string[]> {
  return page.locator('table.matrix td').evaluateAll((cells) => {
    const rgb = (c: string): number[] => {
      const n = (c.match(/[\d.]+/g) ?? []).map(Number);
      // "color(srgb r g b)" from color-mix() is 0..1; "rgb(r, g, b)" is 0..255.
      return c.startsWith('color(') ? n.slice(0, 3) : n.slice(0, 3).map((v) => v / 255);
    };
    const lum = ([r, g, b]: number[]) =>
      [r!, g!, b!]
        .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4))
        .reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i]!, 0);
    const low: string[] = [];
    for (const td of cells) {
      if (!td.textContent?.trim()) continue;
      const style = getComputedStyle(td);
      const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5)
        low.push(`${td.textContent.trim()} on ${style.backgroundColor}: ${ratio.toFixed(2)}:1`);
    }
    return low;
  });
}

async function go(page: Page, key: string, heading: string): Promise<void> {
  await page.keyboard.press(`Alt+${key}`);
  await expect(page.getByRole('heading', { level: 1, name: heading, exact: true })).toBeVisible();
  // Sections load their records from IndexedDB after the first paint; let them settle.
  await page.waitForTimeout(1200);
}

async function openPenguins(page: Page): Promise<void> {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  await page.getByRole('button', { name: /^Penguins/ }).click();
  await expect(page.getByRole('heading', { name: 'Data', exact: true })).toBeVisible({
    timeout: 240_000,
  });
}

async function trainFast(page: Page): Promise<void> {
  await page.keyboard.press('Alt+4');
  await page.getByRole('group', { name: 'Preset' }).getByRole('button', { name: 'fast' }).click();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-list').locator('tbody tr').first()).toContainText(
    'completed',
    { timeout: 240_000 },
  );
}

test('every page and dialog, light and dark: no axe violations', async ({ page }) => {
  test.setTimeout(600_000);
  await openPenguins(page);
  await trainFast(page);
  await promoteFirstChampion(page);
  await page.keyboard.press('Alt+3');
  await page.getByLabel('Your name').fill('A11y annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  await expect(page.getByTestId('label-count')).toBeVisible();

  const found: Found[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);

    await go(page, '1', 'Projects');
    await axe(page, `${theme} projects`, found);

    await go(page, '2', 'Data');
    await axe(page, `${theme} data browse`, found);
    await page.getByRole('tab', { name: /Quality/ }).click();
    await expect(page.getByTestId('findings')).toBeVisible();
    await axe(page, `${theme} data quality`, found);

    await go(page, '3', 'Label');
    await axe(page, `${theme} label`, found);
    await page.getByRole('button', { name: /^Keys/ }).click();
    await expect(page.getByTestId('keymap-dialog')).toBeVisible();
    await axe(page, `${theme} label keymap dialog`, found);
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('keymap-dialog')).toBeHidden();
    for (const tab of ['Review', 'Progress']) {
      await page.getByRole('tab', { name: tab }).click();
      await page.waitForTimeout(1000);
      await axe(page, `${theme} label ${tab.toLowerCase()}`, found);
    }
    await page.getByRole('tab', { name: 'Label' }).click();

    await go(page, '4', 'Train');
    const matrix = page.getByRole('table', { name: /Confusion matrix/ });
    if (!(await matrix.isVisible())) {
      await page
        .getByTestId('run-list')
        .locator('tbody tr')
        .first()
        .getByRole('button', { name: 'Details' })
        .click();
    }
    await expect(matrix).toBeVisible();
    await axe(page, `${theme} train`, found);
    // axe leaves color-mix() backgrounds "incomplete": measure the heatmap's cells here.
    for (const low of await matrixContrasts(page)) {
      found.push({
        where: `${theme} train`,
        rule: 'matrix-contrast',
        impact: 'serious',
        nodes: [low],
      });
    }

    await go(page, '5', 'Models');
    await axe(page, `${theme} models`, found);
    await page.getByRole('button', { name: 'Open version 1', exact: true }).click();
    await page.waitForTimeout(800);
    await axe(page, `${theme} models version detail`, found);

    await go(page, '6', 'Serve');
    await axe(page, `${theme} serve`, found);
    await go(page, '7', 'Monitor');
    await axe(page, `${theme} monitor`, found);
    await go(page, '8', 'Automate');
    await axe(page, `${theme} automate`, found);
    await go(page, '9', 'Share');
    await axe(page, `${theme} share`, found);

    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await axe(page, `${theme} settings dialog`, found);
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toBeHidden();
  }
  if (found.length > 0) console.log(JSON.stringify(found, null, 2));
  expect(found, 'axe violations').toEqual([]);
});

test('keyboard: focus follows navigation, titles name the section, one Tab stop per widget', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Start from a demo' })).toBeVisible();
  // A first visit: the demos come before the create-project form in Tab order.
  const demo = page.getByRole('button', { name: /^Penguins/ });
  const form = page.getByLabel('Name', { exact: true });
  const order = await demo.evaluate(
    (d, f) => d.compareDocumentPosition(f as Node) & Node.DOCUMENT_POSITION_FOLLOWING,
    await form.elementHandle(),
  );
  expect(order, 'the demo button precedes the form').toBeTruthy();

  await demo.click();
  const dataHeading = page.getByRole('heading', { level: 1, name: 'Data', exact: true });
  await expect(dataHeading).toBeVisible({ timeout: 240_000 });
  await expect(dataHeading).toBeFocused();
  await expect(page).toHaveTitle('Data · Penguins demo · Inloop');

  // The data grid is one Tab stop; arrows move between rows; the next Tab leaves the table.
  const rows = page.getByRole('button', { name: /^Show row / });
  await expect(rows.first()).toBeVisible();
  expect(await page.locator('button[aria-label^="Show row "][tabindex="0"]').count()).toBe(1);
  await rows.first().focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('button', { name: 'Show row 3', exact: true })).toBeFocused();
  await page.keyboard.press('End');
  await expect(page.getByRole('button', { name: 'Show row 344', exact: true })).toBeFocused();
  await page.keyboard.press('Home');
  await expect(page.getByRole('button', { name: 'Show row 1', exact: true })).toBeFocused();

  // The source tabs: the selected one is the Tab stop, ArrowRight selects Quality.
  await page.getByRole('tab', { name: 'Browse' }).focus();
  await page.keyboard.press('ArrowRight');
  const quality = page.getByRole('tab', { name: /Quality/ });
  await expect(quality).toBeFocused();
  await expect(quality).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('findings')).toBeVisible();

  // Alt+N: focus on the new heading, title per section.
  await page.keyboard.press('Alt+3');
  const labelHeading = page.getByRole('heading', { level: 1, name: 'Label', exact: true });
  await expect(labelHeading).toBeFocused();
  await expect(page).toHaveTitle('Label · Penguins demo · Inloop');
  await page.getByLabel('Your name').fill('Keyboard annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  await expect(page.getByTestId('label-count')).toBeVisible();
  await expect(labelHeading).toBeFocused();

  // The labeling tabs take arrow keys and are one Tab stop.
  const labelTab = page.getByRole('tab', { name: 'Label', exact: true });
  await labelTab.focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('tab', { name: 'Review' })).toBeFocused();
  await expect(page.getByRole('tab', { name: 'Review' })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('ArrowLeft');
  await expect(labelTab).toHaveAttribute('aria-selected', 'true');

  // The keymap dialog opens on its heading, not in a remap field, and gives focus back.
  const keys = page.getByRole('button', { name: /^Keys/ });
  await keys.click();
  const dialog = page.getByTestId('keymap-dialog');
  await expect(dialog.getByRole('heading', { name: 'Keyboard' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(keys).toBeFocused();

  // Settings gives focus back to its trigger too.
  const settings = page.getByRole('button', { name: 'Settings', exact: true });
  await settings.click();
  await expect(page.getByRole('dialog', { name: 'Settings' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(settings).toBeFocused();

  await page.keyboard.press('Alt+9');
  await expect(page.getByRole('heading', { level: 1, name: 'Share', exact: true })).toBeFocused();
  await expect(page).toHaveTitle('Share · Inloop');
});

/**
 * What sticks out at this viewport width: the page itself scrolling sideways, or a card whose
 * content is wider than the card (a wide table belongs in its own overflow-x:auto wrapper).
 */
async function sideways(page: Page, width: number): Promise<string[]> {
  return page.evaluate((vw) => {
    const out: string[] = [];
    const page = document.documentElement.scrollWidth;
    if (page > vw) out.push(`the page is ${page} px wide`);
    for (const card of document.querySelectorAll<HTMLElement>('main .card')) {
      if (card.scrollWidth > card.clientWidth + 1 || card.getBoundingClientRect().right > vw + 0.5)
        out.push(
          `a card is ${card.scrollWidth} px inside ${card.clientWidth} px: ` +
            (card.textContent ?? '').trim().slice(0, 60),
        );
    }
    return out;
  }, width);
}

test('a 390 px phone: the sections are behind a Menu button and the page does not scroll sideways', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await openPenguins(page);
  const nav = page.getByRole('navigation', { name: 'Sections' });
  await expect(nav).toBeHidden();
  const menu = page.getByRole('button', { name: 'Menu' });
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  await nav.getByRole('link', { name: /Label/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Label', exact: true })).toBeFocused();
  await expect(nav).toBeHidden();
  for (const key of ['1', '2', '3', '4', '5', '6', '7', '8', '9']) {
    await page.keyboard.press(`Alt+${key}`);
    await page.waitForTimeout(800);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width, `page width on section ${key}`).toBeLessThanOrEqual(390);
  }

  // Trained content: a run of the default Auto (its learner, trials table and confusion matrix),
  // a registered champion, a prediction, the monitor and its settings.
  await menu.click();
  await nav.getByRole('link', { name: /Train/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Train', exact: true })).toBeFocused();
  await page.getByTestId('train-start').click();
  const runs = page.getByTestId('run-list').locator('tbody tr');
  await expect(runs.first()).toContainText('completed', { timeout: 240_000 });
  // Focus after training: the results heading, not the body (once the worker's call returns, a
  // moment after the run's record says completed).
  await expect(page.getByTestId('train-start')).toBeEnabled({ timeout: 240_000 });
  await expect(page.getByRole('heading', { name: 'Model fitted' })).toBeFocused();
  await expect(page.getByRole('table', { name: /Confusion matrix/ })).toBeVisible();
  await promoteFirstChampion(page);
  await page.getByRole('button', { name: 'Open version 1', exact: true }).click();
  await page.keyboard.press('Alt+6');
  const tryIt = page.getByTestId('try-it');
  await tryIt.getByLabel('Beak Length (mm)').fill('47.5');
  await tryIt.getByLabel('Beak Depth (mm)').fill('15');
  await tryIt.getByLabel('Flipper Length (mm)').fill('217');
  await tryIt.getByLabel('Body Mass (g)').fill('5200');
  await tryIt.getByTestId('try-predict').click();
  await tryIt.getByTestId('try-anyway').click();
  await expect(page.getByTestId('log-total')).toHaveText('1 prediction');

  for (const width of [390, 360]) {
    await page.setViewportSize({ width, height: 844 });
    for (const [key, name] of [
      ['4', 'Train'],
      ['5', 'Models'],
      ['6', 'Serve'],
      ['7', 'Monitor'],
    ] as const) {
      await go(page, key, name);
      if (name === 'Models')
        await page.getByRole('button', { name: 'Open version 1', exact: true }).click();
      if (name === 'Monitor') await page.locator('summary', { hasText: 'Settings' }).click();
      await page.waitForTimeout(500);
      expect(await sideways(page, width), `${name} at ${width} px`).toEqual([]);
    }
  }
});

test('a phone: a sideways swipe on the item card skips it, a short or vertical one does not', async ({
  page,
}) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 390, height: 844 });
  await openPenguins(page);
  await page.keyboard.press('Alt+3');
  await page.getByLabel('Your name').fill('Thumb annotator');
  await page.getByRole('button', { name: 'Start labeling' }).click();
  const current = page.getByTestId('current-item');
  await expect(current).toBeVisible();
  const card = page.getByTestId('item-card');
  const swipe = async (dx: number, dy: number) => {
    const at = { pointerId: 7, pointerType: 'touch', isPrimary: true, clientX: 300, clientY: 400 };
    await card.dispatchEvent('pointerdown', at);
    await card.dispatchEvent('pointermove', { ...at, clientX: 300 + dx / 2, clientY: 400 + dy });
    await card.dispatchEvent('pointerup', { ...at, clientX: 300 + dx, clientY: 400 + dy });
  };
  const labelled = await page.getByTestId('label-count').textContent();
  const first = await current.textContent();
  await swipe(-60, 0);
  await swipe(-120, 120);
  await page.waitForTimeout(300);
  await expect(current, 'a short or mostly vertical swipe keeps the item').toHaveText(first!);
  await swipe(-120, 10);
  await expect(current, 'a leftward swipe skips').not.toHaveText(first!);
  const second = await current.textContent();
  await swipe(140, 0);
  await expect(current, 'a rightward swipe skips too').not.toHaveText(second!);
  // Skipping labels nothing.
  await expect(page.getByTestId('label-count')).toHaveText(labelled!);
  // The same gesture with a mouse is a drag (text selection), not a skip.
  const third = await current.textContent();
  await card.dispatchEvent('pointerdown', {
    pointerId: 1,
    pointerType: 'mouse',
    isPrimary: true,
    clientX: 300,
    clientY: 400,
  });
  await card.dispatchEvent('pointerup', {
    pointerId: 1,
    pointerType: 'mouse',
    isPrimary: true,
    clientX: 100,
    clientY: 400,
  });
  await page.waitForTimeout(300);
  await expect(current).toHaveText(third!);
});
