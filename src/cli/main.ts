// `inloop <command> …`: dispatch, usage, and the one place a CliFailure becomes a message on
// stderr and exit code 2. bin/inloop.mjs loads this file through Vite's module runner.
import { parseArgs } from './args';
import { driftCommand, evaluateCommand, queryCommand, trainCommand, type CliIo } from './commands';
import { CliFailure, EXIT_BAD_INPUT, EXIT_OK } from './errors';

export const USAGE = `inloop — the Inloop engine on the command line (tabular CSV, TSV or JSON Lines)

  inloop train <data> --target <column> --out <model.json>
               [--family auto|linear|boosted-trees] [--seed N] [--id <column>]
  inloop evaluate <model.json> <data> [--target <column>]
  inloop query <model.json> <pool> [--strategy margin|least-confidence|entropy|random]
               [-k 50] [--seed N] [--out ids.csv]
  inloop drift <model.json> <reference> <current> [--fail-on dataset|column] [--threshold T]

Results go to stdout as JSON, progress to stderr. Exit codes: 0 ok, 1 drift (inloop drift),
2 bad input. Network models train in the browser app; the command line fits the exact learners.
`;

const COMMANDS = {
  train: trainCommand,
  evaluate: evaluateCommand,
  query: queryCommand,
  drift: driftCommand,
} as const;

const isCommand = (name: string): name is keyof typeof COMMANDS => Object.hasOwn(COMMANDS, name);

/** Runs one command line; returns the exit code (never calls process.exit: tests call this). */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    io.stdout(USAGE);
    return name === undefined ? EXIT_BAD_INPUT : EXIT_OK;
  }
  if (!isCommand(name)) {
    io.stderr(`inloop: unknown command “${name}”.\n\n${USAGE}`);
    return EXIT_BAD_INPUT;
  }
  try {
    const args = parseArgs(rest);
    if (args.options.has('help')) {
      io.stdout(USAGE);
      return EXIT_OK;
    }
    return await COMMANDS[name](args, io);
  } catch (error) {
    if (error instanceof CliFailure) {
      io.stderr(`inloop: ${error.message}\n`);
      return EXIT_BAD_INPUT;
    }
    throw error;
  }
}
