import { assertNever } from '../lib/result';
import { RESERVED_HOTKEYS, type ProjectDraftError } from './validate';

/** Turns a validation error into the sentence the form shows. */
export function describeProjectDraftError(e: ProjectDraftError): string {
  switch (e.kind) {
    case 'name-empty':
      return 'Give the project a name.';
    case 'name-too-long':
      return `Keep the name under ${e.max} characters.`;
    case 'name-taken':
      return `A project called “${e.name}” already exists. Pick another name.`;
    case 'modality-unknown':
      return `“${e.modality}” is not a data type Inloop knows. Choose tabular, image or text.`;
    case 'too-few-classes':
      return `A classifier needs at least ${e.min} label classes.`;
    case 'too-many-classes':
      return `At most ${e.max} label classes are supported (one hotkey each).`;
    case 'class-name-empty':
      return `Class ${e.index + 1} has no name.`;
    case 'class-name-duplicate':
      return `Two classes are called “${e.name}”. Class names must differ.`;
    case 'hotkey-invalid':
      return `Class ${e.index + 1}: the hotkey must be one digit or letter (got “${e.hotkey}”).`;
    case 'hotkey-reserved':
      return `Class ${e.index + 1}: “${e.hotkey}” is kept for the labeling panel (${RESERVED_HOTKEYS.join(', ')} are reserved).`;
    case 'hotkey-duplicate':
      return `Two classes share the hotkey “${e.hotkey}”. Each class needs its own.`;
    default:
      return assertNever(e);
  }
}
