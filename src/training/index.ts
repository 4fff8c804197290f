// Front door of src/training: the page trains, scores and benchmarks through the ML bridge; it never
// imports TF.js or the worker module itself (only the worker's API type, inside ml-bridge.ts).
export { MlBridge, abortError, isAbortError } from './ml-bridge';
export type {
  BackendListener,
  CallOptions,
  MlBridgeOptions,
  ProgressCallOptions,
} from './ml-bridge';
export { describeBackend } from './backend-label';
export { BACKEND_NAMES } from './types';
export type * from './types';
