// Front door of the data domain: import, parsing, schema inference, quality report, splits and
// content digests. Pure modules only here (usable from the page and from workers).
export * from './types';
export * from './quality-types';
export * from './values';
export * from './infer-schema';
export * from './chunk-builder';
export * from './splits';
export * from './digest';
export * from './stats';
export * from './quality';
export * from './near-duplicates';
export { fmix32, mulberry32 } from './hash';
