// Trigger rules and the single-flight scheduler, driven by a fake clock.
import { describe, expect, it } from 'vitest';
import {
  TriggerScheduler,
  evaluateTrigger,
  policyConfigProblem,
  resolvePolicyConfig,
  type TriggerPolicy,
} from '../../src/automation/triggers';
import {
  DEFAULT_POLICY_CONFIG,
  type PolicyClock,
  type PolicyConfig,
  type TriggerSignals,
  type WindowSignal,
} from '../../src/automation/types';
import type { PolicyTrigger } from '../../src/persistence/schema';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);

function policy(
  trigger: PolicyTrigger,
  config: Partial<PolicyConfig> = {},
  extra: Partial<TriggerPolicy> = {},
): TriggerPolicy {
  return {
    id: `p-${trigger}`,
    name: trigger,
    enabled: true,
    trigger,
    config: { ...DEFAULT_POLICY_CONFIG, cooldownMinutes: 0, ...config },
    createdAt: T0,
    ...extra,
  };
}

function win(seq: number, state: WindowSignal['state'], extra: Partial<WindowSignal> = {}) {
  return { seq, end: T0 + seq * MIN, state, labelCount: 0, ...extra } satisfies WindowSignal;
}

const noSignals: TriggerSignals = { newLabelsSinceLastRun: 0 };
const at = (minutes: number) => ({ now: T0 + minutes * MIN, busy: false });

describe('schedule trigger', () => {
  const p = policy('schedule', { intervalMinutes: 30 });

  it('waits until the first interval has passed since the policy was created', () => {
    const d = evaluateTrigger(p, {}, noSignals, at(29));
    expect(d.outcome).toBe('wait');
    expect(d.nextDueAt).toBe(T0 + 30 * MIN);
    expect(d.reason).toMatch(/in 1(\.0)? min/);
  });

  it('fires when due, then counts the next interval from that run', () => {
    const d = evaluateTrigger(p, {}, noSignals, at(30));
    expect(d.outcome).toBe('fire');
    expect(d.catchUp).toBeUndefined();
    const after: PolicyClock = { lastRunAt: T0 + 30 * MIN };
    expect(evaluateTrigger(p, after, noSignals, at(59)).outcome).toBe('wait');
    expect(evaluateTrigger(p, after, noSignals, at(60)).outcome).toBe('fire');
  });

  it('fires exactly one catch-up run for many missed intervals', () => {
    // The app was closed from minute 10 to minute 200: six intervals were missed.
    const clock: PolicyClock = { lastRunAt: T0 + 10 * MIN };
    const d = evaluateTrigger(p, clock, noSignals, at(200));
    expect(d.outcome).toBe('fire');
    expect(d.catchUp).toBe(true);
    expect(d.reason).toMatch(/6 scheduled runs were missed/);
    // Once it ran (the clock records the run), nothing else is due until a full interval later.
    const ran: PolicyClock = { lastRunAt: T0 + 200 * MIN };
    for (let m = 200; m < 230; m += 1) {
      expect(evaluateTrigger(p, ran, noSignals, at(m)).outcome).toBe('wait');
    }
    expect(evaluateTrigger(p, ran, noSignals, at(230)).catchUp).toBeUndefined();
  });
});

describe('new-labels trigger', () => {
  const p = policy('new-labels', { labelCount: 50 });
  it('fires at the label count, not before', () => {
    expect(evaluateTrigger(p, {}, { newLabelsSinceLastRun: 49 }, at(1)).outcome).toBe('wait');
    const d = evaluateTrigger(p, {}, { newLabelsSinceLastRun: 50 }, at(1));
    expect(d.outcome).toBe('fire');
    expect(d.reason).toMatch(/50 new labels/);
  });
});

describe('drift trigger', () => {
  it("fires on 'drift' but not on 'warning' at the default level", () => {
    const p = policy('drift');
    expect(
      evaluateTrigger(p, {}, { ...noSignals, latestWindow: win(3, 'warning') }, at(1)).outcome,
    ).toBe('wait');
    const d = evaluateTrigger(
      p,
      {},
      { ...noSignals, latestWindow: win(4, 'drift', { driftKind: 'sudden' }) },
      at(1),
    );
    expect(d.outcome).toBe('fire');
    expect(d.reason).toMatch(/#4.*'drift' \(sudden\)/);
  });

  it("fires on 'warning' and on 'drift' at level 'warning'", () => {
    const p = policy('drift', { driftLevel: 'warning' });
    for (const state of ['warning', 'drift'] as const) {
      expect(
        evaluateTrigger(p, {}, { ...noSignals, latestWindow: win(1, state) }, at(1)).outcome,
      ).toBe('fire');
    }
    expect(
      evaluateTrigger(p, {}, { ...noSignals, latestWindow: win(1, 'ok') }, at(1)).outcome,
    ).toBe('wait');
  });

  it('does not fire twice for the same window, nor without a window', () => {
    const p = policy('drift');
    const signals = { ...noSignals, latestWindow: win(7, 'drift') };
    expect(evaluateTrigger(p, { lastWindowSeq: 7 }, signals, at(1)).outcome).toBe('wait');
    expect(evaluateTrigger(p, {}, noSignals, at(1)).reason).toMatch(/No monitoring window/);
  });
});

describe('performance-drop trigger', () => {
  const p = policy('performance-drop', { metricThreshold: 0.8, minLabels: 30 });
  it('needs the minimum label count before judging', () => {
    const low = win(2, 'ok', { accuracy: 0.5, labelCount: 29 });
    const d = evaluateTrigger(p, {}, { ...noSignals, latestWindow: low }, at(1));
    expect(d.outcome).toBe('wait');
    expect(d.reason).toMatch(/29 delayed labels/);
  });
  it('fires below the threshold and waits at or above it', () => {
    const below = win(2, 'ok', { accuracy: 0.79, labelCount: 30 });
    const equal = win(2, 'ok', { accuracy: 0.8, labelCount: 30 });
    expect(evaluateTrigger(p, {}, { ...noSignals, latestWindow: below }, at(1)).outcome).toBe(
      'fire',
    );
    expect(evaluateTrigger(p, {}, { ...noSignals, latestWindow: equal }, at(1)).outcome).toBe(
      'wait',
    );
  });
});

describe('guards: disabled, paused, busy, cooldown', () => {
  const signals = { newLabelsSinceLastRun: 500 };
  it('a disabled or paused policy never fires', () => {
    expect(
      evaluateTrigger(policy('new-labels', {}, { enabled: false }), {}, signals, at(1)).reason,
    ).toMatch(/disabled/);
    expect(
      evaluateTrigger(policy('new-labels', { paused: true }), {}, signals, at(1)).reason,
    ).toMatch(/paused/);
  });
  it('waits while a pipeline of the project runs', () => {
    const d = evaluateTrigger(policy('new-labels'), {}, signals, { now: T0, busy: true });
    expect(d.outcome).toBe('wait');
    expect(d.reason).toMatch(/already running/);
  });
  it('respects the cooldown after the last run, to the millisecond', () => {
    const p = policy('new-labels', { cooldownMinutes: 10 });
    const clock = { lastRunAt: T0 };
    const during = evaluateTrigger(p, clock, signals, { now: T0 + 10 * MIN - 1, busy: false });
    expect(during.outcome).toBe('wait');
    expect(during.reason).toMatch(/Cooling down/);
    expect(evaluateTrigger(p, clock, signals, { now: T0 + 10 * MIN, busy: false }).outcome).toBe(
      'fire',
    );
  });
});

describe('config', () => {
  it('merges stored configs over the defaults and ignores wrong types', () => {
    const c = resolvePolicyConfig({ labelCount: 5, epochs: 'ten', unknown: 1 });
    expect(c.labelCount).toBe(5);
    expect(c.epochs).toBe(DEFAULT_POLICY_CONFIG.epochs);
    expect(policyConfigProblem(c)).toBeNull();
  });
  it('explains bad values', () => {
    expect(policyConfigProblem({ ...DEFAULT_POLICY_CONFIG, intervalMinutes: 0 })).toMatch(
      /interval/,
    );
    expect(policyConfigProblem({ ...DEFAULT_POLICY_CONFIG, metricThreshold: 1.5 })).toMatch(
      /threshold/,
    );
    expect(policyConfigProblem({ ...DEFAULT_POLICY_CONFIG, minLabels: 0 })).toMatch(/minimum/);
  });
});

describe('TriggerScheduler', () => {
  function setup(policies: TriggerPolicy[], signals: TriggerSignals) {
    let now = T0;
    const clocks = new Map<string, PolicyClock>();
    const started: string[] = [];
    const finishers: (() => void)[] = [];
    let externalBusy = false;
    const scheduler = new TriggerScheduler({
      now: () => now,
      policies: () => Promise.resolve(policies),
      clockOf: (id) => Promise.resolve(clocks.get(id) ?? {}),
      signals: () => Promise.resolve(signals),
      isBusy: () => Promise.resolve(externalBusy),
      start: (p) => {
        started.push(p.id);
        clocks.set(p.id, { lastRunAt: now });
        return new Promise<void>((resolve) => finishers.push(resolve));
      },
    });
    return {
      scheduler,
      started,
      advance: (minutes: number) => (now += minutes * MIN),
      finish: () => finishers.shift()?.(),
      setExternalBusy: (b: boolean) => (externalBusy = b),
    };
  }

  it('runs one pipeline at a time, even when several policies fire', async () => {
    const a = policy('new-labels', {}, { id: 'a' });
    const b = policy('new-labels', {}, { id: 'b' });
    const s = setup([a, b], { newLabelsSinceLastRun: 100 });
    expect((await s.scheduler.tick())?.policyId).toBe('a');
    expect(s.scheduler.running).toBe(true);
    // While a runs, nothing else starts, however often the timer ticks.
    expect(await s.scheduler.tick()).toBeNull();
    expect(await s.scheduler.tick()).toBeNull();
    expect(s.started).toEqual(['a']);
    const dry = await s.scheduler.dryRun();
    expect(dry.every((d) => d.outcome === 'wait' && /already running/.test(d.reason))).toBe(true);
    s.finish();
    await s.scheduler.idle();
    // a is cooling down (cooldown 0 → it may fire again), b has not run: the first that fires wins.
    expect((await s.scheduler.tick())?.policyId).toBe('a');
    expect(s.started).toEqual(['a', 'a']);
  });

  it('concurrent ticks start a single run', async () => {
    const s = setup([policy('new-labels')], { newLabelsSinceLastRun: 100 });
    const results = await Promise.all([s.scheduler.tick(), s.scheduler.tick(), s.scheduler.tick()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(s.started).toHaveLength(1);
  });

  it('does not start while another tab or a manual run is busy', async () => {
    const s = setup([policy('new-labels')], { newLabelsSinceLastRun: 100 });
    s.setExternalBusy(true);
    expect(await s.scheduler.tick()).toBeNull();
    s.setExternalBusy(false);
    expect(await s.scheduler.tick()).not.toBeNull();
  });

  it('a schedule with cooldown fires on time after a catch-up, driven by the fake clock', async () => {
    const p = policy('schedule', { intervalMinutes: 15, cooldownMinutes: 5 });
    const s = setup([p], noSignals);
    s.advance(100); // app opens 100 min after the policy was created: one catch-up
    const first = await s.scheduler.tick();
    expect(first?.catchUp).toBe(true);
    s.finish();
    await s.scheduler.idle();
    let fired = 0;
    for (let m = 0; m < 60; m++) {
      s.advance(1);
      if (await s.scheduler.tick()) {
        fired++;
        s.finish();
        await s.scheduler.idle();
      }
    }
    expect(fired).toBe(4); // minutes 115, 130, 145, 160
    expect(s.started).toHaveLength(5);
  });
});
