import { RESERVED_HOTKEYS } from './validate';
import type { LabelClass } from './types';

/**
 * Class colours: the Okabe–Ito palette (distinguishable with the common colour-vision
 * deficiencies), then Tableau 10 for projects with many classes.
 */
export const CLASS_COLORS = [
  '#0072b2',
  '#e69f00',
  '#009e73',
  '#cc79a7',
  '#56b4e9',
  '#d55e00',
  '#f0e442',
  '#000000',
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

const HOTKEY_ORDER = '1234567890abcdeghijklmnopqrtuvwxy'.split('');

/** The next free hotkey in the order digits first, then letters (skipping reserved keys). */
export function suggestHotkey(taken: readonly string[]): string {
  return HOTKEY_ORDER.find((k) => !taken.includes(k) && !RESERVED_HOTKEYS.includes(k)) ?? '';
}

export const DEFAULT_IMAGE_SIZE = 64;

export function newId(): string {
  return crypto.randomUUID();
}

export function buildClasses(drafts: readonly { name: string; hotkey: string }[]): LabelClass[] {
  return drafts.map((c, i) => ({
    id: newId(),
    name: c.name,
    hotkey: c.hotkey,
    color: CLASS_COLORS[i % CLASS_COLORS.length] ?? '#888888',
  }));
}

/** A random 31-bit seed: fits every RNG and TF.js seed argument. */
export function newSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! >>> 1;
}
