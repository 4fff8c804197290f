// A small argument parser: positionals plus `--name value`, `--name=value` and `-k value`. No
// dependency: the CLI needs four commands with a handful of options, and a parser library would
// be a new runtime dependency of a browser app.
import { fail } from './errors';

export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string>;
}

const SHORT: Record<string, string> = { k: 'k', o: 'out', h: 'help' };
/** Options that take no value. */
const FLAGS = new Set(['help']);

export function parseArgs(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    let name: string | undefined;
    let value: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
      if (eq > 0) value = arg.slice(eq + 1);
    } else if (arg.length === 2 && arg[0] === '-' && arg[1] !== undefined && SHORT[arg[1]]) {
      name = SHORT[arg[1]];
    }
    if (name === undefined) {
      positionals.push(arg);
      continue;
    }
    if (FLAGS.has(name)) {
      options.set(name, 'true');
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) fail({ kind: 'usage', message: `--${name} needs a value` });
    }
    options.set(name, value);
  }
  return { positionals, options };
}

/** The options a command knows; anything else is a typo worth stopping for. */
export function checkOptions(args: ParsedArgs, known: readonly string[]): void {
  for (const name of args.options.keys()) {
    if (name !== 'help' && !known.includes(name)) {
      fail({ kind: 'usage', message: `unknown option --${name}` });
    }
  }
}

export function requireOption(args: ParsedArgs, name: string): string {
  const v = args.options.get(name);
  if (v === undefined || v === '') fail({ kind: 'usage', message: `--${name} is required` });
  return v;
}

export function intOption(args: ParsedArgs, name: string, fallback: number, min = 0): number {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) {
    fail({ kind: 'usage', message: `--${name} must be an integer ≥ ${min}, not “${raw}”` });
  }
  return v;
}

export function choiceOption<T extends string>(
  args: ParsedArgs,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = args.options.get(name);
  if (raw === undefined) return fallback;
  const found = choices.find((c) => c === raw);
  if (found === undefined) {
    fail({
      kind: 'usage',
      message: `--${name} must be one of ${choices.join(', ')}, not “${raw}”`,
    });
  }
  return found;
}

export function positionals(args: ParsedArgs, names: readonly string[]): string[] {
  if (args.positionals.length !== names.length) {
    fail({
      kind: 'usage',
      message: `expected ${names.map((n) => `<${n}>`).join(' ')}, got ${args.positionals.length} argument${args.positionals.length === 1 ? '' : 's'}`,
    });
  }
  return args.positionals;
}
