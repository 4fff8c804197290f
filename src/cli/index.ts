// The command line's front door: `main` for bin/inloop.mjs and tests, and the pure pieces a
// script may reuse (train on a table, read a model file).
export { main, USAGE } from './main';
export type { CliIo } from './commands';
export { readModel } from './commands';
export { describeCliError, EXIT_BAD_INPUT, EXIT_DRIFT, EXIT_OK, type CliError } from './errors';
export { writeFileAtomic } from './atomic-write';
export { candidatesFor, featurise, metricsOf, predictProba, trainOnTable } from './learn';
export { parseModelFile, type CliModelFile } from './model-file';
export { buildTable, planForModel, planForTraining, readRawTable, type Table } from './table';
