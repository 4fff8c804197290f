// Seeded synthetic drifting streams for the "Drifting stream" demo, the monitoring tests and the
// detection benchmarks. Pure TypeScript, deterministic (mulberry32 via src/lib/rng.ts): the same
// options give the same stream in Node, the page and a worker.
//
// SEA concepts (Street & Kim, KDD 2001, as MOA's SEAGenerator): three features uniform on
// [0, 10]; the label is 1 ("low") when x1 + x2 ≤ θ, else 0 ("high"); x3 is irrelevant; a share
// `noise` of the labels is flipped (10% in the paper). Concepts differ by θ (8, 9, 7, 9.5 in the
// paper). Our concepts may also move the features (`shift`, added to each feature): that is
// covariate drift on top of the concept drift, so the data and prediction signals have something
// to see, not only the delayed labels. Pass `covariateShift: false` for the paper's pure concept
// drift.
//
// Drift between consecutive concepts happens at `driftPoints` (row positions). A width of 0 is a
// sudden drift; a width w > 0 is a gradual drift whose rows come from the new concept with
// probability 1 / (1 + e^(−4 (t − p) / w)) — MOA's ConceptDriftStream sigmoid, so the switch is
// half done at p and ~98% done at p + w.
import { createRng, deriveSeed } from '../lib/rng';

export interface SeaConcept {
  /** Label 1 when x1 + x2 ≤ theta. */
  theta: number;
  /** Added to x1, x2, x3 under this concept (covariate drift); zeros for the paper's SEA. */
  shift: readonly [number, number, number];
}

/**
 * Concept 0 is the paper's first concept (θ = 8, no shift). Concept 1 (the demo's sudden drift)
 * moves θ to 9, x1 by +1.5 and x3 by +3: a model of concept 0 errs on ~25% of rows instead of
 * ~10%, two of three features drift and the predicted classes shift. Concept 2 (the demo's later
 * gradual drift) moves θ to 9.5, x1 by +4, x2 by +1 and x3 by −2: errors rise to ~42%. Concept 3
 * is the paper's θ = 7 without shift.
 */
export const DEFAULT_SEA_CONCEPTS: readonly SeaConcept[] = [
  { theta: 8, shift: [0, 0, 0] },
  { theta: 9, shift: [1.5, 0, 3] },
  { theta: 9.5, shift: [4, 1, -2] },
  { theta: 7, shift: [0, 0, 0] },
];

export const SEA_FEATURES = ['x1', 'x2', 'x3'] as const;

export interface SeaStreamOptions {
  seed: number;
  /** Rows to generate. */
  n: number;
  /** Row positions where concept k hands over to concept k + 1 (ascending). Default none. */
  driftPoints?: readonly number[];
  /** Width of each drift (0 = sudden): one number for all, or one per drift point. Default 0. */
  gradualWidth?: number | readonly number[];
  /** Share of labels flipped (default 0.1, as the paper). */
  noise?: number;
  /** Concepts in order; default {@link DEFAULT_SEA_CONCEPTS}. Needs driftPoints.length + 1. */
  concepts?: readonly SeaConcept[];
  /** False: ignore the concepts' feature shifts (pure concept drift). Default true. */
  covariateShift?: boolean;
  /** Start time (ms since the epoch) and spacing of the rows' event times. */
  startTime?: number;
  intervalMs?: number;
}

export interface SeaStream {
  /** Feature columns by name (x1, x2, x3). */
  columns: Record<(typeof SEA_FEATURES)[number], Float64Array>;
  /** 1 = "low" (x1 + x2 ≤ θ), 0 = "high", after noise. */
  labels: Uint8Array;
  /** The concept (0-based index into the concepts) each row was drawn from. */
  concept: Uint8Array;
  /** Event time per row (ms since the epoch). */
  times: Float64Array;
  /** The options after defaults, for documenting what was generated. */
  options: Required<Omit<SeaStreamOptions, 'gradualWidth'>> & { gradualWidth: number[] };
}

/** Default start of the event times: 2026-01-01T00:00:00Z, one row a minute. */
export const SEA_START_TIME = Date.UTC(2026, 0, 1);
export const SEA_INTERVAL_MS = 60_000;

/** Probability that row `t` comes from the new concept of a drift at `p` with width `w`. */
export function newConceptProbability(t: number, p: number, w: number): number {
  if (w <= 0) return t >= p ? 1 : 0;
  return 1 / (1 + Math.exp((-4 * (t - p)) / w));
}

/** A seeded SEA stream with sudden and/or gradual drifts; see the header comment. */
export function seaStream(options: SeaStreamOptions): SeaStream {
  const {
    seed,
    n,
    driftPoints = [],
    noise = 0.1,
    concepts = DEFAULT_SEA_CONCEPTS,
    covariateShift = true,
    startTime = SEA_START_TIME,
    intervalMs = SEA_INTERVAL_MS,
  } = options;
  if (!Number.isInteger(n) || n < 0) throw new RangeError('seaStream: n must be an integer ≥ 0');
  if (!(noise >= 0 && noise <= 1)) throw new RangeError('seaStream: noise must be in [0, 1]');
  if (concepts.length < driftPoints.length + 1) {
    throw new RangeError(`seaStream: ${driftPoints.length} drift points need more concepts`);
  }
  for (let i = 1; i < driftPoints.length; i++) {
    if (driftPoints[i]! < driftPoints[i - 1]!) {
      throw new RangeError('seaStream: drift points must be ascending');
    }
  }
  const widths = driftPoints.map((_, i) => {
    const g = options.gradualWidth ?? 0;
    const w = typeof g === 'number' ? g : (g[i] ?? 0);
    if (!(w >= 0)) throw new RangeError('seaStream: widths must be ≥ 0');
    return w;
  });
  // Independent streams per purpose, so changing the noise does not move the features.
  const featureRng = createRng(deriveSeed(seed, 1));
  const conceptRng = createRng(deriveSeed(seed, 2));
  const noiseRng = createRng(deriveSeed(seed, 3));
  const x1 = new Float64Array(n);
  const x2 = new Float64Array(n);
  const x3 = new Float64Array(n);
  const labels = new Uint8Array(n);
  const concept = new Uint8Array(n);
  const times = new Float64Array(n);
  for (let t = 0; t < n; t++) {
    // The concept: walk the drifts in order; each one is taken with its sigmoid probability.
    let c = 0;
    const u = conceptRng.next();
    for (let d = 0; d < driftPoints.length; d++) {
      if (u < newConceptProbability(t, driftPoints[d]!, widths[d]!)) c = d + 1;
      else break;
    }
    const k = concepts[c]!;
    const s = covariateShift ? k.shift : ([0, 0, 0] as const);
    x1[t] = featureRng.next() * 10 + s[0];
    x2[t] = featureRng.next() * 10 + s[1];
    x3[t] = featureRng.next() * 10 + s[2];
    // The concept's rule is on the unshifted features: shifting x1 moves the data, and the
    // boundary the model learned no longer matches where the labels flip.
    let y = x1[t]! - s[0] + x2[t]! - s[1] <= k.theta ? 1 : 0;
    if (noiseRng.next() < noise) y = 1 - y;
    labels[t] = y;
    concept[t] = c;
    times[t] = startTime + t * intervalMs;
  }
  return {
    columns: { x1, x2, x3 },
    labels,
    concept,
    times,
    options: {
      seed,
      n,
      driftPoints: [...driftPoints],
      gradualWidth: widths,
      noise,
      concepts,
      covariateShift,
      startTime,
      intervalMs,
    },
  };
}
