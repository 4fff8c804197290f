import { describe, expect, it } from 'vitest';
import {
  BINNING_MIN_DISTINCT,
  binnedShares,
  categoryCounts,
  chiSquareContingency,
  chiSquareGoodnessOfFit,
  chooseTest,
  columnDrift,
  datasetDrift,
  jensenShannonDistance,
  ksTwoSample,
  normalizedWasserstein,
  populationStabilityIndex,
  wassersteinDistance,
  zTestProportions,
} from '../../src/monitoring/drift-tests';
import {
  chiSquareSf,
  erfc,
  gammaP,
  gammaQ,
  kolmogorovSf,
  logGamma,
} from '../../src/monitoring/special';
import { createRng, randNormal } from '../../src/lib/rng';
import { kstwoSf } from '../../src/monitoring/kolmogorov-n';
import { close, golden } from './monitoring-golden';

function expectClose(actual: number, expected: number, rel = 1e-9, abs = 1e-300): void {
  if (!close(actual, expected, rel, abs)) {
    expect.fail(`${actual} is not within ${rel} (relative) of ${expected}`);
  }
}

describe('special functions against scipy.special', () => {
  it('regularised incomplete gamma, log-gamma, erfc, χ² and Kolmogorov survival', () => {
    for (const c of golden.special.gamma) {
      expectClose(gammaQ(c.a, c.x), c.q, 1e-12, 1e-300);
      expectClose(gammaP(c.a, c.x), c.p, 1e-12, 1e-300);
    }
    for (const c of golden.special.gammaln) expectClose(logGamma(c.x), c.v, 1e-13, 1e-15);
    for (const c of golden.special.erfc) expectClose(erfc(c.x), c.v, 1e-12);
    for (const c of golden.special.chi2_sf) expectClose(chiSquareSf(c.x, c.dof), c.v, 1e-12);
    for (const c of golden.special.kolmogorov_sf) expectClose(kolmogorovSf(c.x), c.v, 1e-12);
  });

  it('kstwo.sf(x, n), one case per branch of scipy _kolmogn', () => {
    for (const c of golden.special.kstwo_sf) expectClose(kstwoSf(c.x, c.n), c.v, 1e-10, 1e-300);
  });
});

describe('KS two-sample against scipy.stats.ks_2samp(method="auto")', () => {
  it('by hand: [1 2 3] vs [4 5 6] is D = 1, p = 2/C(6,3) = 0.1', () => {
    // Only the 2 of the C(6, 3) = 20 orderings that put one sample wholly first reach D = 1.
    const r = ksTwoSample([1, 2, 3], [4, 5, 6]);
    expect(r.statistic).toBe(1);
    expectClose(r.pValue, 0.1, 1e-14);
    expect(r.method).toBe('exact');
  });

  for (const c of golden.ks) {
    it(c.name, () => {
      const r = ksTwoSample(c.a, c.b);
      expectClose(r.statistic, c.statistic, 1e-12, 1e-15);
      expect(r.method).toBe(c.exact ? 'exact' : 'asymp');
      // Exact and asymptotic (kstwo at round(en)) alike: scipy's value.
      expectClose(r.pValue, c.pvalue, 1e-10);
      if (!c.exact) {
        // The limiting distribution, used here before, is off by more than rounding.
        expect(close(c.limit_pvalue, c.pvalue, 1e-3)).toBe(false);
      }
    });
  }
});

describe('χ² on category counts', () => {
  for (const c of golden.chi2) {
    it(`chi2_contingency: ${c.name}`, () => {
      const r = chiSquareContingency(c.ref, c.cur);
      expect(r.dof).toBe(c.dof);
      expectClose(r.statistic, c.statistic, 1e-12, 1e-14);
      expectClose(r.pValue, c.pvalue, 1e-10);
      if (c.gof) {
        const g = chiSquareGoodnessOfFit(c.ref, c.cur);
        expectClose(g.statistic, c.gof.statistic, 1e-12, 1e-14);
        expectClose(g.pValue, c.gof.pvalue, 1e-10);
      }
    });
  }

  it("columnDrift's χ² is Evidently's goodness of fit on the raw values", () => {
    for (const c of golden.chi2) {
      if (!c.gof || c.ref.length < 3) continue;
      const values = (counts: number[]) => counts.flatMap((n, k) => Array<string>(n).fill(`c${k}`));
      const r = columnDrift('x', 'categorical', values(c.ref), values(c.cur));
      expect(r.test).toBe('chi-square');
      expectClose(r.value, c.gof.pvalue, 1e-10);
      expectClose(r.statistic!, c.gof.statistic, 1e-12, 1e-14);
    }
  });

  it('one category: statistic 0, p = 1; a category only in current: GOF p = 0', () => {
    expect(chiSquareContingency([5], [7])).toEqual({ statistic: 0, pValue: 1, dof: 0 });
    expect(chiSquareGoodnessOfFit([5, 0], [3, 4]).pValue).toBe(0);
  });

  it('aligns categories over both samples, missing values dropped', () => {
    const c = categoryCounts(['a', 'b', null, 'a'], ['c', 'a', undefined]);
    expect(c.categories).toEqual(['a', 'b', 'c']);
    expect([...c.reference]).toEqual([2, 1, 0]);
    expect([...c.current]).toEqual([1, 0, 1]);
  });
});

describe("two-proportion Z-test (Evidently's z_stat_test)", () => {
  for (const c of golden.z) {
    it(`${c.h1}/${c.n1} vs ${c.h2}/${c.n2}`, () => {
      const r = zTestProportions(c.h1, c.n1, c.h2, c.n2);
      expectClose(r.statistic, c.z, 1e-12);
      // Evidently's 2·(1 − Φ) keeps ~1e-16 absolute accuracy; ours is erfc.
      expectClose(r.pValue, c.pvalue, 1e-9, 1e-15);
    });
  }
  it('the same single value in both samples: p = 1', () => {
    expect(zTestProportions(10, 10, 5, 5).pValue).toBe(1);
  });
});

describe('Wasserstein against scipy.stats.wasserstein_distance', () => {
  for (const c of golden.wasserstein) {
    it(c.name, () => {
      expectClose(wassersteinDistance(c.u, c.v), c.distance, 1e-10, 1e-15);
      expectClose(normalizedWasserstein(c.u, c.v), c.normalized, 1e-10, 1e-15);
    });
  }
});

describe("Jensen–Shannon and PSI on Evidently's binning", () => {
  for (const c of golden.binned) {
    it(c.name, () => {
      const kind = c.kind === 'num' ? 'numeric' : 'categorical';
      const js = binnedShares(c.ref, c.cur, kind, {
        maxCategories: BINNING_MIN_DISTINCT,
        fillZeroes: false,
        binning: 'evidently',
        quantileBins: 10,
      });
      if (c.js_edges) {
        expect(js.edges).not.toBeNull();
        js.edges!.forEach((e, i) => expectClose(e, c.js_edges![i]!, 1e-14, 1e-15));
      }
      expect([...js.reference]).toEqual(c.js_ref);
      expect([...js.current]).toEqual(c.js_cur);
      expectClose(jensenShannonDistance(js.reference, js.current), c.jensenshannon, 1e-10);
      const psi = binnedShares(c.ref, c.cur, kind, {
        maxCategories: BINNING_MIN_DISTINCT,
        fillZeroes: true,
        binning: 'evidently',
        quantileBins: 10,
      });
      psi.reference.forEach((x, i) => expectClose(x, c.psi_ref[i]!, 1e-14));
      psi.current.forEach((x, i) => expectClose(x, c.psi_cur[i]!, 1e-14));
      expectClose(populationStabilityIndex(psi.reference, psi.current), c.psi, 1e-10, 1e-15);
      // The same values through columnDrift's default binning (what the monitor runs).
      const byColumn = (test: 'psi' | 'jensen-shannon') =>
        columnDrift('x', kind, c.ref, c.cur, { test }).value;
      expectClose(byColumn('jensen-shannon'), c.jensenshannon, 1e-10);
      expectClose(byColumn('psi'), c.psi, 1e-10, 1e-15);
    });
  }

  it('reference-quantile bins put a tenth of the reference in each bin', () => {
    const ref = Array.from({ length: 1000 }, (_, i) => i);
    const b = binnedShares(ref, ref, 'numeric', {
      maxCategories: 10,
      fillZeroes: true,
      binning: 'reference-quantiles',
      quantileBins: 10,
    });
    expect(b.reference.length).toBe(10);
    b.reference.forEach((x) => expectClose(x, 0.1, 1e-12));
    expect(populationStabilityIndex(b.reference, b.current)).toBe(0);
  });

  it('Jensen–Shannon by hand: disjoint supports give √ln 2', () => {
    expectClose(jensenShannonDistance([1, 0], [0, 1]), Math.sqrt(Math.LN2), 1e-15);
    expect(jensenShannonDistance([2, 2], [1, 1])).toBe(0);
  });
});

describe("chooseTest: Evidently's defaults", () => {
  it('the rule table', () => {
    expect(chooseTest({ kind: 'numeric', distinctValues: 6 }, 1000)).toBe('ks');
    expect(chooseTest({ kind: 'numeric', distinctValues: 5 }, 1000)).toBe('chi-square');
    expect(chooseTest({ kind: 'numeric', distinctValues: 2 }, 1000)).toBe('z');
    expect(chooseTest({ kind: 'categorical', distinctValues: 3 }, 1000)).toBe('chi-square');
    expect(chooseTest({ kind: 'binary', distinctValues: 2 }, 10)).toBe('z');
    expect(chooseTest({ kind: 'numeric', distinctValues: 6 }, 1001)).toBe('wasserstein');
    expect(chooseTest({ kind: 'numeric', distinctValues: 5 }, 1001)).toBe('jensen-shannon');
    expect(chooseTest({ kind: 'categorical', distinctValues: 40 }, 5000)).toBe('jensen-shannon');
  });

  it('columnDrift: a shifted numeric column drifts, an unshifted one does not; overrides win', () => {
    const rng = createRng(7);
    const ref = Array.from({ length: 800 }, () => randNormal(rng));
    const same = Array.from({ length: 500 }, () => randNormal(rng));
    const shifted = Array.from({ length: 500 }, () => randNormal(rng) + 0.5);
    const a = columnDrift('x', 'numeric', ref, same);
    const b = columnDrift('x', 'numeric', ref, shifted);
    expect(a.test).toBe('ks');
    expect(a.drifted).toBe(false);
    expect(b.drifted).toBe(true);
    expect(b.value).toBeLessThan(0.05);
    const w = columnDrift('x', 'numeric', ref, shifted, { test: 'wasserstein' });
    expect(w.test).toBe('wasserstein');
    expect(w.value).toBeGreaterThan(0.1);
    expect(w.drifted).toBe(true);
    const psi = columnDrift('x', 'numeric', ref, same, { test: 'psi', threshold: 0.2 });
    expect(psi.threshold).toBe(0.2);
    expect(psi.drifted).toBe(false);
  });

  it('dataset drift when at least half of the columns drift', () => {
    const col = (drifted: boolean) => ({ ...columnDrift('c', 'binary', [0, 1], [0, 1]), drifted });
    expect(datasetDrift([col(true), col(false)]).drifted).toBe(true);
    expect(datasetDrift([col(true), col(false), col(false)]).drifted).toBe(false);
    expect(datasetDrift([]).drifted).toBe(false);
  });
});
