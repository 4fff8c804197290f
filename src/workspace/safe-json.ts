// JSON from files someone else wrote. `JSON.parse` itself never sets a prototype (it defines
// `__proto__` as an own property), but the parsed value flows into spreads, `Object.assign`,
// Dexie and Svelte state, where an own `__proto__` key (or `constructor`/`prototype`) can reach a
// shared prototype. So these keys are dropped wherever they appear, at every depth, while parsing.
// A record that needed such a key then fails its schema check instead of carrying it.

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function reviver(key: string, value: unknown): unknown {
  return FORBIDDEN_KEYS.has(key) ? undefined : value;
}

/** `JSON.parse` without the keys that can pollute prototypes; throws SyntaxError like it. */
export function parseJsonSafely(text: string): unknown {
  return JSON.parse(text, reviver);
}

export function isForbiddenKey(key: string): boolean {
  return FORBIDDEN_KEYS.has(key);
}
