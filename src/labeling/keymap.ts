// The labeling panel's keys: one per class (the project's hotkeys, remappable per device and saved
// in settings) plus the fixed commands. Pure: LabelingState and the keymap dialog build on it.
import type { LabelClass } from '../projects/types';
import { RESERVED_HOTKEYS } from '../projects/validate';

export type LabelCommand =
  | { kind: 'label'; classId: string }
  | { kind: 'accept' }
  | { kind: 'undo' }
  | { kind: 'redo' }
  | { kind: 'skip' }
  | { kind: 'flag' }
  | { kind: 'back' }
  | { kind: 'forward' }
  | { kind: 'help' }
  | { kind: 'keep' };

/** The fixed keys, as the keymap dialog lists them. */
export const COMMAND_KEYS: readonly { keys: string; what: string }[] = [
  { keys: 'z · Ctrl+Z', what: 'Undo the last action (appends an undo event)' },
  { keys: 'Shift+Z · Ctrl+Y', what: 'Redo' },
  { keys: 's', what: 'Skip this item' },
  { keys: 'f', what: 'Flag this item for a second look' },
  { keys: 'Enter', what: 'Accept the model’s suggestion' },
  { keys: '← / →', what: 'Back / forward through the items labelled in this session' },
  { keys: '?', what: 'Show this keymap' },
];

/** Class id → key, starting from the project's hotkeys, overridden by the saved remapping. */
export function effectiveKeymap(
  classes: readonly LabelClass[],
  overrides: Readonly<Record<string, string>>,
): Map<string, string> {
  const out = new Map<string, string>();
  for (const c of classes) out.set(c.id, overrides[c.id] ?? c.hotkey);
  return out;
}

/** Why a remapping cannot be used, or null. */
export function keymapProblem(keymap: ReadonlyMap<string, string>): string | null {
  const seen = new Map<string, string>();
  for (const [id, key] of keymap) {
    if (!/^[0-9a-z]$/.test(key)) return `“${key}” is not a single digit or letter.`;
    if (RESERVED_HOTKEYS.includes(key)) return `“${key}” is kept for a command.`;
    if (seen.has(key)) return `“${key}” is used twice.`;
    seen.set(key, id);
  }
  return null;
}

/** What a key press means, or null when the panel should leave it alone. */
export function commandOf(
  e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey'>,
  keymap: ReadonlyMap<string, string>,
): LabelCommand | null {
  const mod = e.ctrlKey || e.metaKey;
  if (e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (mod) {
    if (key === 'z') return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    if (key === 'y') return { kind: 'redo' };
    return null;
  }
  switch (key) {
    case 'z':
      return e.shiftKey ? { kind: 'redo' } : { kind: 'undo' };
    case 's':
      return { kind: 'skip' };
    case 'f':
      return { kind: 'flag' };
    case '?':
      return { kind: 'help' };
    case 'Enter':
      return { kind: 'accept' };
    case 'ArrowLeft':
      return { kind: 'back' };
    case 'ArrowRight':
      return { kind: 'forward' };
  }
  for (const [classId, k] of keymap) if (k === key) return { kind: 'label', classId };
  return null;
}
