// Limited-memory BFGS for smooth unconstrained minimisation, with the Moré–Thuente line search.
// It follows what scipy.optimize.minimize(method='L-BFGS-B') does without bounds, so a learner
// that copies a scikit-learn objective also stops where scikit-learn would:
// - memory m = 10 (scipy's maxcor), the initial inverse Hessian scaled by s'y / y'y;
// - the line search is MINPACK-2's dcsrch (Moré & Thuente 1994) with ftol = 1e-3, gtol = 0.9,
//   xtol = 0.1 (L-BFGS-B's lnsrlb), the first step 1 / ||g|| and later ones 1;
// - it stops when max |g_i| <= gradientTolerance (scipy's pgtol, sklearn's `tol`), or when the
//   relative decrease (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= functionTolerance (scipy's
//   ftol = factr * eps with factr = 1e7), or after maxIterations iterations;
// - a correction pair with s'y <= eps * y'y is skipped (curvature not positive enough), and a
//   failed line search clears the memory and retries along steepest descent once.
// Allocation: every vector is allocated once before the first iteration.

/** Objective: returns f(x) and writes ∇f(x) into `grad` (same length as `x`). */
export type ObjectiveWithGradient = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIterations: number;
  /** Stop when max |g_i| <= this (scipy's `gtol`/pgtol). */
  gradientTolerance: number;
  /** Relative decrease test; scipy's default 2.220446049250313e-9 (factr 1e7 × eps). 0 disables it. */
  functionTolerance?: number;
  /** Correction pairs kept (scipy's `maxcor`, default 10). */
  memory?: number;
  /** Function evaluations allowed per line search (L-BFGS-B allows 20). */
  maxLineSearchEvaluations?: number;
  /** Called after each accepted iteration; throw from it to abandon the minimisation. */
  onIteration?: (iteration: number, f: number, x: Float64Array) => void;
}

export type LbfgsStopReason = 'gradient' | 'function' | 'maxIterations' | 'lineSearch';

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  /** Accepted iterations (scipy's `nit`). */
  iterations: number;
  evaluations: number;
  /** True when the gradient or the relative-decrease test stopped it. */
  converged: boolean;
  reason: LbfgsStopReason;
  /** max |g_i| at `x`. */
  gradientMax: number;
}

/** scipy's default ftol for L-BFGS-B: factr = 1e7 times machine epsilon. */
export const SCIPY_LBFGS_FTOL = 1e7 * 2.220446049250313e-16;

const EPS = 2.220446049250313e-16;

function maxAbs(v: Float64Array): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) {
    const a = Math.abs(v[i]!);
    if (a > m) m = a;
  }
  return m;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/** Minimise `objective` from `x0` (not modified). */
export function minimizeLbfgs(
  objective: ObjectiveWithGradient,
  x0: Float64Array,
  options: LbfgsOptions,
): LbfgsResult {
  const n = x0.length;
  const m = Math.max(1, options.memory ?? 10);
  const ftol = options.functionTolerance ?? SCIPY_LBFGS_FTOL;
  const gtol = options.gradientTolerance;
  const maxEvals = options.maxLineSearchEvaluations ?? 20;

  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xTrial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  const d = new Float64Array(n);
  const sHist = Array.from({ length: m }, () => new Float64Array(n));
  const yHist = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let histStart = 0;
  let histCount = 0;

  let f = objective(x, g);
  let evaluations = 1;
  let iterations = 0;
  let gMax = maxAbs(g);
  if (!Number.isFinite(f)) throw new Error('L-BFGS: the objective is not finite at the start');
  if (gMax <= gtol) {
    return {
      x,
      f,
      iterations,
      evaluations,
      converged: true,
      reason: 'gradient',
      gradientMax: gMax,
    };
  }

  let reason: LbfgsStopReason = 'maxIterations';
  while (iterations < options.maxIterations) {
    // Two-loop recursion: d = -H g.
    for (let i = 0; i < n; i++) d[i] = -g[i]!;
    for (let h = histCount - 1; h >= 0; h--) {
      const slot = (histStart + h) % m;
      const a = rho[slot]! * dot(sHist[slot]!, d);
      alpha[slot] = a;
      const yv = yHist[slot]!;
      for (let i = 0; i < n; i++) d[i]! -= a * yv[i]!;
    }
    if (histCount > 0) {
      const last = (histStart + histCount - 1) % m;
      const yy = dot(yHist[last]!, yHist[last]!);
      const gamma = 1 / (rho[last]! * yy);
      for (let i = 0; i < n; i++) d[i]! *= gamma;
    }
    for (let h = 0; h < histCount; h++) {
      const slot = (histStart + h) % m;
      const b = rho[slot]! * dot(yHist[slot]!, d);
      const coeff = alpha[slot]! - b;
      const sv = sHist[slot]!;
      for (let i = 0; i < n; i++) d[i]! += coeff * sv[i]!;
    }

    let dg = dot(g, d);
    if (!(dg < 0)) {
      // Not a descent direction (round-off in H): fall back to steepest descent.
      histCount = 0;
      for (let i = 0; i < n; i++) d[i] = -g[i]!;
      dg = dot(g, d);
    }
    // L-BFGS-B (lnsrlb) tries 1/||d|| on its first iteration and 1 on every later one.
    const stp0 = iterations === 0 ? 1 / Math.sqrt(dot(d, d)) : 1;

    const search = lineSearch(objective, x, f, d, dg, stp0, xTrial, gTrial, maxEvals);
    evaluations += search.evaluations;
    if (!search.ok) {
      if (histCount > 0) {
        histCount = 0;
        continue;
      }
      reason = 'lineSearch';
      break;
    }

    // Accept the step; keep the pair s = x+ - x, y = g+ - g when s'y > eps·y'y (as L-BFGS-B).
    const fOld = f;
    let sy = 0;
    let yy = 0;
    for (let i = 0; i < n; i++) {
      const si = xTrial[i]! - x[i]!;
      const yi = gTrial[i]! - g[i]!;
      sy += si * yi;
      yy += yi * yi;
    }
    if (sy > EPS * yy) {
      // A full memory overwrites its oldest pair.
      const slot = histCount < m ? (histStart + histCount) % m : histStart;
      const sv = sHist[slot]!;
      const yv = yHist[slot]!;
      for (let i = 0; i < n; i++) {
        sv[i] = xTrial[i]! - x[i]!;
        yv[i] = gTrial[i]! - g[i]!;
      }
      rho[slot] = 1 / sy;
      if (histCount < m) histCount++;
      else histStart = (histStart + 1) % m;
    }
    x.set(xTrial);
    g.set(gTrial);
    f = search.f;
    iterations++;
    gMax = maxAbs(g);
    options.onIteration?.(iterations, f, x);
    if (gMax <= gtol) {
      reason = 'gradient';
      break;
    }
    if (ftol > 0 && (fOld - f) / Math.max(Math.abs(fOld), Math.abs(f), 1) <= ftol) {
      reason = 'function';
      break;
    }
  }
  return {
    x,
    f,
    iterations,
    evaluations,
    converged: reason === 'gradient' || reason === 'function',
    reason,
    gradientMax: gMax,
  };
}

interface LineSearchResult {
  ok: boolean;
  f: number;
  evaluations: number;
}

/**
 * Moré–Thuente line search along `d` from `x` (MINPACK-2 dcsrch driven by dcstep). Writes the
 * accepted point and its gradient into `xTrial` / `gTrial`.
 */
function lineSearch(
  objective: ObjectiveWithGradient,
  x: Float64Array,
  f0: number,
  d: Float64Array,
  dg0: number,
  stpInit: number,
  xTrial: Float64Array,
  gTrial: Float64Array,
  maxEvals: number,
): LineSearchResult {
  const n = x.length;
  const ftol = 1e-3;
  const gtol = 0.9;
  const xtol = 0.1;
  const stpmin = 0;
  const stpmax = 1e10;
  const xtrapl = 1.1;
  const xtrapu = 4;

  const s: StepState = {
    stx: 0,
    fx: f0,
    dx: dg0,
    sty: 0,
    fy: f0,
    dy: dg0,
    stp: Math.min(stpInit, stpmax),
    brackt: false,
  };
  let stage = 1;
  const gtest = ftol * dg0;
  let width = stpmax - stpmin;
  let width1 = width / 0.5;
  let stmin = 0;
  let stmax = s.stp + xtrapu * s.stp;

  for (let evals = 1; evals <= maxEvals; evals++) {
    const stp = s.stp;
    for (let i = 0; i < n; i++) xTrial[i] = x[i]! + stp * d[i]!;
    const f = objective(xTrial, gTrial);
    const dg = dot(gTrial, d);
    if (!Number.isFinite(f)) {
      // Overshot into overflow: shrink the step and try again (outside dcsrch's assumptions).
      s.brackt = true;
      s.sty = stp;
      s.fy = Number.MAX_VALUE;
      s.dy = 0;
      s.stp = s.stx + 0.5 * (stp - s.stx);
      stmin = Math.min(s.stx, s.sty);
      stmax = Math.max(s.stx, s.sty);
      continue;
    }
    const ftest = f0 + stp * gtest;
    if (stage === 1 && f <= ftest && dg >= 0) stage = 2;
    // Convergence: sufficient decrease and the strong curvature condition.
    if (f <= ftest && Math.abs(dg) <= gtol * -dg0) return { ok: true, f, evaluations: evals };
    // Warnings of dcsrch: accept the point if it decreased f, else fail.
    const warn =
      (s.brackt && (stp <= stmin || stp >= stmax)) ||
      (s.brackt && stmax - stmin <= xtol * stmax) ||
      (stp === stpmax && f <= ftest && dg <= gtest) ||
      (stp === stpmin && (f > ftest || dg >= gtest));
    if (warn) return { ok: f < f0, f, evaluations: evals };

    if (stage === 1 && f <= s.fx && f > ftest) {
      // Modified function ψ(α) = f(α) - f0 - α·gtest while in stage 1 (Moré–Thuente §3).
      const fxm = s.fx - s.stx * gtest;
      const fym = s.fy - s.sty * gtest;
      const dxm = s.dx - gtest;
      const dym = s.dy - gtest;
      const mod: StepState = { ...s, fx: fxm, fy: fym, dx: dxm, dy: dym };
      dcstep(mod, f - stp * gtest, dg - gtest, stmin, stmax);
      s.stx = mod.stx;
      s.sty = mod.sty;
      s.stp = mod.stp;
      s.brackt = mod.brackt;
      s.fx = mod.fx + mod.stx * gtest;
      s.fy = mod.fy + mod.sty * gtest;
      s.dx = mod.dx + gtest;
      s.dy = mod.dy + gtest;
    } else {
      dcstep(s, f, dg, stmin, stmax);
    }
    if (s.brackt) {
      if (Math.abs(s.sty - s.stx) >= 0.66 * width1) s.stp = s.stx + 0.5 * (s.sty - s.stx);
      width1 = width;
      width = Math.abs(s.sty - s.stx);
      stmin = Math.min(s.stx, s.sty);
      stmax = Math.max(s.stx, s.sty);
    } else {
      stmin = s.stp + xtrapl * (s.stp - s.stx);
      stmax = s.stp + xtrapu * (s.stp - s.stx);
    }
    s.stp = Math.min(Math.max(s.stp, stpmin), stpmax);
    if (
      (s.brackt && (s.stp <= stmin || s.stp >= stmax)) ||
      (s.brackt && stmax - stmin <= xtol * stmax)
    ) {
      s.stp = s.stx;
    }
  }
  // Out of evaluations: a failure, as in L-BFGS-B (the caller resets the memory or stops).
  return { ok: false, f: f0, evaluations: maxEvals };
}

interface StepState {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  stp: number;
  brackt: boolean;
}

/** MINPACK-2 dcstep: safeguarded cubic/quadratic step and update of the bracketing interval. */
function dcstep(s: StepState, fp: number, dp: number, stpmin: number, stpmax: number): void {
  const { stx, fx, dx, sty, fy, dy, stp } = s;
  const sgnd = dp * Math.sign(dx);
  let stpf: number;
  if (fp > fx) {
    // Higher function value: the minimum is bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt(Math.max(0, (theta / sc) ** 2 - (dx / sc) * (dp / sc)));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const r = p / q;
    const stpc = stx + r * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    s.brackt = true;
  } else if (sgnd < 0) {
    // Lower value, derivatives of opposite sign: bracketed.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt(Math.max(0, (theta / sc) ** 2 - (dx / sc) * (dp / sc)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const r = p / q;
    const stpc = stp + r * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    s.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Lower value, same-sign derivatives, magnitude decreasing.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = sc * Math.sqrt(Math.max(0, (theta / sc) ** 2 - (dx / sc) * (dp / sc)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (s.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf =
        stp > stx
          ? Math.min(stp + 0.66 * (sty - stp), stpf)
          : Math.max(stp + 0.66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (s.brackt) {
    // Lower value, same sign, magnitude not decreasing, bracketed: cubic step toward sty.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const sc = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = sc * Math.sqrt(Math.max(0, (theta / sc) ** 2 - (dy / sc) * (dp / sc)));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    const r = p / q;
    stpf = stp + r * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }

  if (fp > fx) {
    s.sty = stp;
    s.fy = fp;
    s.dy = dp;
  } else {
    if (sgnd < 0) {
      s.sty = stx;
      s.fy = fx;
      s.dy = dx;
    }
    s.stx = stp;
    s.fx = fp;
    s.dx = dp;
  }
  s.stp = stpf;
}
