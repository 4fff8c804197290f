// Keyboard for a role=tablist (WAI-ARIA APG "Tabs with automatic activation"): the tab list is one
// Tab stop (only the selected tab has tabindex 0), ArrowLeft/ArrowRight move between the tabs,
// wrapping, Home/End go to the first and last; the tab that gets focus is selected by clicking it,
// so a component keeps its own onclick as the one place that changes its state.

/** onkeydown for each tab: `<button role="tab" onkeydown={tablistKeys}>`. */
export function tablistKeys(e: KeyboardEvent): void {
  const list = (e.currentTarget as HTMLElement).closest('[role="tablist"]');
  if (!list) return;
  const tabs = [...list.querySelectorAll<HTMLElement>('[role="tab"]')].filter(
    (t) => !t.hasAttribute('disabled'),
  );
  const at = tabs.indexOf(document.activeElement as HTMLElement);
  if (at < 0) return;
  const next =
    e.key === 'ArrowRight'
      ? (at + 1) % tabs.length
      : e.key === 'ArrowLeft'
        ? (at - 1 + tabs.length) % tabs.length
        : e.key === 'Home'
          ? 0
          : e.key === 'End'
            ? tabs.length - 1
            : -1;
  if (next < 0) return;
  e.preventDefault();
  // Stop here: the Label page reads single keys on the window as labeling commands.
  e.stopPropagation();
  tabs[next]!.focus();
  tabs[next]!.click();
}
