// Where focus goes when the page changes under it. A screen-reader or keyboard user who opens a
// section, a demo or a form that then disappears would otherwise be left on <body>, and the next
// Tab would start again at the top of the page.

/**
 * Focuses the page's main heading (the first h1 in <main>), making it programmatically focusable
 * without adding it to the Tab order. Returns false when there is none yet.
 */
export function focusPageHeading(): boolean {
  const heading = document.querySelector<HTMLElement>('main h1');
  if (!heading) return false;
  if (!heading.hasAttribute('tabindex')) heading.setAttribute('tabindex', '-1');
  heading.focus({ preventScroll: false });
  return true;
}

/**
 * Remembers what had focus when a dialog opens and gives focus back to it when the dialog closes
 * (or to the page heading when that element has gone meanwhile, e.g. a deleted row's button).
 */
export function rememberFocus(): () => void {
  const before = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  return () => {
    if (before && before.isConnected && before !== document.body) before.focus();
    else focusPageHeading();
  };
}
