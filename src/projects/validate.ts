import { err, ok, type Result } from '../lib/result';
import { MODALITIES, type Modality } from './types';

/** What the "new project" form collects, before ids and timestamps exist. */
export interface ProjectDraft {
  name: string;
  modality: Modality;
  classes: { name: string; hotkey: string }[];
}

export type ProjectDraftError =
  | { kind: 'name-empty' }
  | { kind: 'name-too-long'; max: number }
  | { kind: 'name-taken'; name: string }
  | { kind: 'modality-unknown'; modality: string }
  | { kind: 'too-few-classes'; min: number }
  | { kind: 'too-many-classes'; max: number }
  | { kind: 'class-name-empty'; index: number }
  | { kind: 'class-name-duplicate'; name: string }
  | { kind: 'hotkey-invalid'; index: number; hotkey: string }
  | { kind: 'hotkey-reserved'; index: number; hotkey: string }
  | { kind: 'hotkey-duplicate'; hotkey: string };

export const PROJECT_NAME_MAX = 80;
export const CLASS_NAME_MAX = 60;
export const MIN_CLASSES = 2;
/** Beyond 36 the hotkeys (0-9, a-z) run out, and the labeling panel stops being keyboard-first. */
export const MAX_CLASSES = 36;

/**
 * Keys the labeling panel keeps for itself: z undo, s skip, f flag, ? keymap.
 * Arrow keys and modifiers are not single characters, so they cannot collide.
 */
export const RESERVED_HOTKEYS: readonly string[] = ['z', 's', 'f', '?'];

const HOTKEY_PATTERN = /^[0-9a-z]$/;

export function normalizeHotkey(key: string): string {
  return key.trim().toLowerCase();
}

/** Validates a draft; returns the cleaned-up draft (trimmed names, lowercase hotkeys) or the first problem. */
export function validateProjectDraft(
  draft: ProjectDraft,
  existingNames: readonly string[] = [],
): Result<ProjectDraft, ProjectDraftError> {
  const nameResult = validateProjectName(draft.name, existingNames);
  if (!nameResult.ok) return nameResult;
  if (!MODALITIES.includes(draft.modality)) {
    return err({ kind: 'modality-unknown', modality: String(draft.modality) });
  }
  const classesResult = validateClasses(draft.classes);
  if (!classesResult.ok) return classesResult;
  return ok({ name: nameResult.value, modality: draft.modality, classes: classesResult.value });
}

export function validateProjectName(
  name: string,
  existingNames: readonly string[] = [],
): Result<string, ProjectDraftError> {
  const trimmed = name.trim();
  if (trimmed === '') return err({ kind: 'name-empty' });
  if (trimmed.length > PROJECT_NAME_MAX)
    return err({ kind: 'name-too-long', max: PROJECT_NAME_MAX });
  const lower = trimmed.toLocaleLowerCase();
  if (existingNames.some((n) => n.trim().toLocaleLowerCase() === lower)) {
    return err({ kind: 'name-taken', name: trimmed });
  }
  return ok(trimmed);
}

function validateClasses(
  classes: ProjectDraft['classes'],
): Result<ProjectDraft['classes'], ProjectDraftError> {
  if (classes.length < MIN_CLASSES) return err({ kind: 'too-few-classes', min: MIN_CLASSES });
  if (classes.length > MAX_CLASSES) return err({ kind: 'too-many-classes', max: MAX_CLASSES });
  const names = new Set<string>();
  const hotkeys = new Set<string>();
  const cleaned: ProjectDraft['classes'] = [];
  for (const [index, c] of classes.entries()) {
    const name = c.name.trim().slice(0, CLASS_NAME_MAX);
    if (name === '') return err({ kind: 'class-name-empty', index });
    const lower = name.toLocaleLowerCase();
    if (names.has(lower)) return err({ kind: 'class-name-duplicate', name });
    names.add(lower);
    const hotkey = normalizeHotkey(c.hotkey);
    if (!HOTKEY_PATTERN.test(hotkey))
      return err({ kind: 'hotkey-invalid', index, hotkey: c.hotkey });
    if (RESERVED_HOTKEYS.includes(hotkey)) return err({ kind: 'hotkey-reserved', index, hotkey });
    if (hotkeys.has(hotkey)) return err({ kind: 'hotkey-duplicate', hotkey });
    hotkeys.add(hotkey);
    cleaned.push({ name, hotkey });
  }
  return ok(cleaned);
}
