import { describe, expect, it } from 'vitest';
import { DEFAULT_ENSEMBLE_RULE, ensembleState, type Signal } from '../../src/monitoring/ensemble';
import type { DriftState, SignalGroup } from '../../src/monitoring/types';

function signal(group: SignalGroup, state: DriftState, name = `${group}-${state}`): Signal {
  return { name, group, state };
}

/** One signal per group with the given states. */
function groups(data: DriftState, prediction: DriftState, performance: DriftState): Signal[] {
  return [
    signal('data', data),
    signal('prediction', prediction),
    signal('performance', performance),
  ];
}

describe('ensemble vote: the default rule table', () => {
  // (data, prediction, performance) → window state
  const table: [DriftState, DriftState, DriftState, DriftState][] = [
    ['ok', 'ok', 'ok', 'ok'],
    ['warning', 'ok', 'ok', 'warning'],
    ['ok', 'ok', 'warning', 'warning'],
    ['drift', 'ok', 'ok', 'warning'], // one non-performance group drifting is a warning
    ['ok', 'drift', 'ok', 'warning'],
    ['drift', 'warning', 'ok', 'warning'],
    ['drift', 'drift', 'ok', 'drift'], // two groups
    ['drift', 'ok', 'drift', 'drift'],
    ['ok', 'ok', 'drift', 'drift'], // performance decides alone
    ['drift', 'drift', 'drift', 'drift'],
  ];
  for (const [d, p, perf, want] of table) {
    it(`data ${d}, prediction ${p}, performance ${perf} → ${want}`, () => {
      expect(ensembleState(groups(d, p, perf)).state).toBe(want);
    });
  }

  it('configurable: performance alone only warns when it does not decide', () => {
    const rule = { ...DEFAULT_ENSEMBLE_RULE, performanceDecides: false };
    expect(ensembleState(groups('ok', 'ok', 'drift'), rule).state).toBe('warning');
    const strict = { ...DEFAULT_ENSEMBLE_RULE, groupsForDrift: 3, performanceDecides: false };
    expect(ensembleState(groups('drift', 'drift', 'ok'), strict).state).toBe('warning');
    expect(ensembleState(groups('drift', 'drift', 'drift'), strict).state).toBe('drift');
  });
});

describe('group state from its signals', () => {
  it('drifts when ≥ half of its signals drift; warns when one drifts or ≥ half warn', () => {
    const data = (states: DriftState[]) =>
      ensembleState(states.map((s, i) => signal('data', s, `f${i}`))).groups.data;
    expect(data(['drift', 'ok']).state).toBe('drift');
    expect(data(['drift', 'ok', 'ok']).state).toBe('warning');
    // A lone warning among four signals (DDM's 2σ zone) is not an alert; two of four are.
    expect(data(['warning', 'ok', 'ok', 'ok']).state).toBe('ok');
    expect(data(['warning', 'warning', 'ok', 'ok']).state).toBe('warning');
    expect(data(['warning', 'drift', 'ok', 'ok']).state).toBe('warning');
    expect(data(['warning']).state).toBe('warning');
    expect(data(['ok', 'ok']).state).toBe('ok');
    expect(data([]).observed).toBe(false);
    expect(data([]).state).toBe('ok');
  });

  it('a decisive signal drifting makes its group drift alone (the accuracy test)', () => {
    const perf = (accuracy: DriftState) =>
      ensembleState([
        signal('performance', 'ok', 'ddm'),
        signal('performance', 'ok', 'adwin'),
        signal('performance', 'ok', 'page-hinkley'),
        { ...signal('performance', accuracy, 'accuracy'), decisive: true },
      ]);
    expect(perf('drift').groups.performance.state).toBe('drift');
    expect(perf('drift').state).toBe('drift');
    // Its warning is one signal among four, as any other.
    expect(perf('warning').groups.performance.state).toBe('ok');
    // The same drift without the flag is one of four: a warning only.
    const plain = ensembleState([
      signal('performance', 'ok', 'ddm'),
      signal('performance', 'ok', 'adwin'),
      signal('performance', 'ok', 'page-hinkley'),
      signal('performance', 'drift', 'accuracy'),
    ]);
    expect(plain.groups.performance.state).toBe('warning');
  });

  it('keeps the evidence and a reason', () => {
    const e = ensembleState(groups('drift', 'drift', 'ok'));
    expect(e.reason).toBe('2 of 3 groups drift (data, prediction)');
    expect(e.groups.data.signals).toHaveLength(1);
    expect(ensembleState(groups('ok', 'ok', 'drift')).reason).toBe('performance drifts');
  });
});
