// The command line's errors as values: every way a command can fail on its input is one kind
// here, and `describeCliError` turns it into the sentence printed on stderr (an exhaustive switch,
// so a new kind cannot go without its message). Exit codes: 2 for bad input or usage, so a CI job
// can tell "the data drifted" (exit 1 from `inloop drift`) from "the job is broken".
import { assertNever } from '../lib/result';

export type CliError =
  | { kind: 'usage'; message: string }
  | { kind: 'missing-file'; path: string }
  | { kind: 'unreadable-file'; path: string; reason: string }
  | { kind: 'empty-file'; path: string }
  | { kind: 'unknown-column'; path: string; column: string; columns: string[] }
  | { kind: 'too-few-classes'; path: string; target: string; classes: string[] }
  | { kind: 'too-few-items'; path: string; train: number; validation: number }
  | { kind: 'no-features'; path: string }
  | { kind: 'bad-model-file'; path: string; reason: string }
  | { kind: 'bad-id'; path: string; reason: string };

export const EXIT_OK = 0;
/** `inloop drift` only: the data drifted. */
export const EXIT_DRIFT = 1;
export const EXIT_BAD_INPUT = 2;

/** Thrown inside a command, caught once by `main` (commands stay linear to read). */
export class CliFailure extends Error {
  readonly error: CliError;
  constructor(error: CliError) {
    super(describeCliError(error));
    this.name = 'CliFailure';
    this.error = error;
  }
}

export function fail(error: CliError): never {
  throw new CliFailure(error);
}

export function describeCliError(e: CliError): string {
  switch (e.kind) {
    case 'usage':
      return `${e.message} (run \`inloop help\` for the commands).`;
    case 'missing-file':
      return `${e.path}: no such file.`;
    case 'unreadable-file':
      return `${e.path}: cannot be read (${e.reason}).`;
    case 'empty-file':
      return `${e.path}: the file has no data rows.`;
    case 'unknown-column':
      return `${e.path}: there is no column “${e.column}”; the columns are ${e.columns.map((c) => `“${c}”`).join(', ')}.`;
    case 'too-few-classes':
      return e.classes.length === 0
        ? `${e.path}: the target column “${e.target}” has no labels; training needs at least two classes.`
        : `${e.path}: the target column “${e.target}” has only one class (“${e.classes[0]}”); training needs at least two.`;
    case 'too-few-items':
      return `${e.path}: too few labelled rows to split into training (${e.train}) and validation (${e.validation}) sets; add more labelled rows.`;
    case 'no-features':
      return `${e.path}: no numeric, integer, boolean or categorical feature column to learn from.`;
    case 'bad-model-file':
      return `${e.path}: not an Inloop model file (${e.reason}).`;
    case 'bad-id':
      return `${e.path}: ${e.reason}`;
    default:
      return assertNever(e);
  }
}
