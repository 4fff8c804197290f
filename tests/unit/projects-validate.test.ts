import { describe, expect, it } from 'vitest';
import {
  describeProjectDraftError,
  validateProjectDraft,
  type ProjectDraft,
  type ProjectDraftError,
} from '../../src/projects';
import { suggestHotkey } from '../../src/projects/defaults';

function draft(overrides: Partial<ProjectDraft> = {}): ProjectDraft {
  return {
    name: 'Churn',
    modality: 'tabular',
    classes: [
      { name: 'stays', hotkey: '1' },
      { name: 'leaves', hotkey: '2' },
    ],
    ...overrides,
  };
}

function errorOf(d: ProjectDraft, existing: string[] = []): ProjectDraftError {
  const r = validateProjectDraft(d, existing);
  if (r.ok) throw new Error('expected a validation error');
  return r.error;
}

describe('validateProjectDraft', () => {
  it('accepts a valid draft and cleans it up', () => {
    const r = validateProjectDraft(
      draft({
        name: '  Churn  ',
        classes: [
          { name: ' stays ', hotkey: 'A' },
          { name: 'leaves', hotkey: ' 2' },
        ],
      }),
    );
    expect(r).toEqual({
      ok: true,
      value: {
        name: 'Churn',
        modality: 'tabular',
        classes: [
          { name: 'stays', hotkey: 'a' },
          { name: 'leaves', hotkey: '2' },
        ],
      },
    });
  });

  it.each<[string, ProjectDraft, ProjectDraftError['kind']]>([
    ['empty name', draft({ name: '   ' }), 'name-empty'],
    ['long name', draft({ name: 'x'.repeat(81) }), 'name-too-long'],
    ['unknown modality', draft({ modality: 'audio' as never }), 'modality-unknown'],
    ['one class', draft({ classes: [{ name: 'a', hotkey: '1' }] }), 'too-few-classes'],
    [
      '37 classes',
      draft({ classes: Array.from({ length: 37 }, (_, i) => ({ name: `c${i}`, hotkey: '1' })) }),
      'too-many-classes',
    ],
    [
      'empty class name',
      draft({
        classes: [
          { name: 'a', hotkey: '1' },
          { name: ' ', hotkey: '2' },
        ],
      }),
      'class-name-empty',
    ],
    [
      'same class twice, ignoring case',
      draft({
        classes: [
          { name: 'Cat', hotkey: '1' },
          { name: 'cat', hotkey: '2' },
        ],
      }),
      'class-name-duplicate',
    ],
    [
      'two-character hotkey',
      draft({
        classes: [
          { name: 'a', hotkey: '10' },
          { name: 'b', hotkey: '2' },
        ],
      }),
      'hotkey-invalid',
    ],
    [
      'punctuation hotkey',
      draft({
        classes: [
          { name: 'a', hotkey: '-' },
          { name: 'b', hotkey: '2' },
        ],
      }),
      'hotkey-invalid',
    ],
    [
      'reserved undo key',
      draft({
        classes: [
          { name: 'a', hotkey: 'Z' },
          { name: 'b', hotkey: '2' },
        ],
      }),
      'hotkey-reserved',
    ],
    [
      'shared hotkey',
      draft({
        classes: [
          { name: 'a', hotkey: '1' },
          { name: 'b', hotkey: '1' },
        ],
      }),
      'hotkey-duplicate',
    ],
  ])('rejects %s', (_title, d, kind) => {
    expect(errorOf(d).kind).toBe(kind);
  });

  it('rejects a name another project has, whatever the case', () => {
    expect(errorOf(draft({ name: 'churn' }), ['Churn'])).toEqual({
      kind: 'name-taken',
      name: 'churn',
    });
  });

  it('gives every error a sentence that names the problem', () => {
    expect(describeProjectDraftError({ kind: 'hotkey-duplicate', hotkey: '3' })).toBe(
      'Two classes share the hotkey “3”. Each class needs its own.',
    );
    expect(describeProjectDraftError({ kind: 'hotkey-reserved', index: 0, hotkey: 'z' })).toContain(
      'z, s, f, ?',
    );
  });
});

describe('suggestHotkey', () => {
  it('takes digits first, then letters, skipping taken and reserved keys', () => {
    expect(suggestHotkey([])).toBe('1');
    expect(suggestHotkey(['1', '2'])).toBe('3');
    const digits = '1234567890'.split('');
    expect(suggestHotkey(digits)).toBe('a');
    expect(suggestHotkey([...digits, 'a', 'b', 'c', 'd', 'e'])).toBe('g'); // f is "flag"
  });
});
