// Front door of src/monitoring's statistical core: drift tests, streaming detectors, prediction
// and uncertainty drift, outliers, MMD, windows and the ensemble vote. Pure TypeScript: the
// worker and the page both import it.
export * from './types';
export {
  logGamma,
  gammaP,
  gammaQ,
  chiSquareSf,
  erfc,
  twoSidedNormalP,
  kolmogorovSf,
} from './special';
export { kstwoSf, smirnovSf } from './kolmogorov-n';
export * from './drift-tests';
export * from './detectors';
export * from './prediction-drift';
export * from './ensemble';
export * from './outliers';
export * from './mmd';
export * from './windows';
export * from './synthetic-streams';
export * from './candidates';
