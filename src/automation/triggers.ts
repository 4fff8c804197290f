// When a retraining policy fires. Pure: the time is an argument and the scheduler takes a clock, so
// every rule is tested with a fake clock (tests/unit/automation-triggers.test.ts).
//
// Rules, checked in this order for each policy (the first that applies decides):
// 1. disabled or paused → wait;
// 2. single-flight: a pipeline of the project is already running → wait (one at a time);
// 3. cooldown: the policy's last run started less than `cooldownMinutes` ago → wait;
// 4. the trigger itself:
//    - schedule: due `intervalMinutes` after the last run (or after the policy was created). When
//      the app was closed for several intervals it fires ONE catch-up run when it opens, not one per
//      missed interval: the next due time is counted from that run.
//    - new-labels: at least `labelCount` labels arrived since the last run;
//    - drift: the latest monitoring window's ensemble state is at least `driftLevel`
//      ('warning' fires on warning and drift); a window triggers at most once;
//    - performance-drop: the latest window has at least `minLabels` delayed labels and its accuracy
//      is below `metricThreshold`; a window triggers at most once.
import type { MonitorState } from '../persistence/schema';
import {
  DEFAULT_POLICY_CONFIG,
  type PolicyClock,
  type PolicyConfig,
  type PolicyTrigger,
  type TriggerDecision,
  type TriggerSignals,
} from './types';

const MINUTE = 60_000;

/** The parts of a policy the trigger logic reads. */
export interface TriggerPolicy {
  id: string;
  name: string;
  enabled: boolean;
  trigger: PolicyTrigger;
  config: PolicyConfig;
  createdAt: number;
}

/** A stored config merged over the defaults (older records gain new fields; junk is ignored). */
export function resolvePolicyConfig(raw: Record<string, unknown> | undefined): PolicyConfig {
  const out: PolicyConfig = { ...DEFAULT_POLICY_CONFIG };
  if (!raw) return out;
  for (const key of Object.keys(DEFAULT_POLICY_CONFIG) as (keyof PolicyConfig)[]) {
    const value = raw[key];
    if (value !== undefined && typeof value === typeof DEFAULT_POLICY_CONFIG[key]) {
      (out as unknown as Record<string, unknown>)[key] = value;
    }
  }
  return out;
}

/** Why a policy config cannot be used, or null. */
export function policyConfigProblem(config: PolicyConfig): string | null {
  const positive: [keyof PolicyConfig, string][] = [
    ['intervalMinutes', 'The schedule interval'],
    ['labelCount', 'The label count'],
    ['epochs', 'The number of epochs'],
    ['recentWindows', 'The number of recent windows'],
    ['fineTuneLearningRate', 'The fine-tune learning rate'],
  ];
  for (const [key, what] of positive) {
    const v = config[key] as number;
    if (!Number.isFinite(v) || v <= 0) return `${what} must be a positive number.`;
  }
  if (!Number.isFinite(config.cooldownMinutes) || config.cooldownMinutes < 0) {
    return 'The cooldown must be zero or more minutes.';
  }
  if (!(config.metricThreshold > 0 && config.metricThreshold <= 1)) {
    return 'The accuracy threshold must be between 0 and 1.';
  }
  if (!Number.isInteger(config.minLabels) || config.minLabels < 1) {
    return 'The minimum label count must be a whole number of at least 1.';
  }
  if (!(config.replayRatio >= 0 && config.replayRatio <= 10)) {
    return 'The replay ratio must be between 0 and 10.';
  }
  if (!(config.penaltyLambda >= 0) || !Number.isFinite(config.penaltyLambda)) {
    return 'The penalty strength λ must be zero or more.';
  }
  return null;
}

const STATE_RANK: Record<MonitorState, number> = { ok: 0, warning: 1, drift: 2 };

function minutes(ms: number): string {
  const m = ms / MINUTE;
  return m >= 10 ? `${Math.round(m)} min` : `${Math.round(m * 10) / 10} min`;
}

export interface TriggerContext {
  now: number;
  /** A pipeline of this project is running (single-flight). */
  busy: boolean;
}

/** Decides whether `policy` fires now, and says why (the dry-run shows exactly this). */
export function evaluateTrigger(
  policy: TriggerPolicy,
  clock: PolicyClock,
  signals: TriggerSignals,
  { now, busy }: TriggerContext,
): TriggerDecision {
  const c = policy.config;
  const wait = (reason: string, extra: Partial<TriggerDecision> = {}): TriggerDecision => ({
    policyId: policy.id,
    outcome: 'wait',
    reason,
    ...extra,
  });
  const fire = (reason: string, extra: Partial<TriggerDecision> = {}): TriggerDecision => ({
    policyId: policy.id,
    outcome: 'fire',
    reason,
    ...extra,
  });
  const nextDueAt =
    policy.trigger === 'schedule'
      ? (clock.lastRunAt ?? policy.createdAt) + c.intervalMinutes * MINUTE
      : undefined;
  const due = nextDueAt === undefined ? {} : { nextDueAt };

  if (!policy.enabled) return wait('The policy is disabled.', due);
  if (c.paused) return wait('The policy is paused.', due);
  if (busy) return wait('A pipeline run of this project is already running.', due);
  if (clock.lastRunAt !== undefined) {
    const left = clock.lastRunAt + c.cooldownMinutes * MINUTE - now;
    if (left > 0) return wait(`Cooling down: ${minutes(left)} left after the last run.`, due);
  }

  const w = signals.latestWindow;
  switch (policy.trigger) {
    case 'schedule': {
      const at = nextDueAt!;
      if (now < at) return wait(`Next scheduled run in ${minutes(at - now)}.`, due);
      const missed = Math.floor((now - at) / (c.intervalMinutes * MINUTE));
      if (missed >= 1) {
        return fire(
          `Catch-up run: ${missed + 1} scheduled runs were missed while the app was closed; one run replaces them.`,
          { catchUp: true, ...due },
        );
      }
      return fire(`Scheduled run (every ${c.intervalMinutes} min) is due.`, due);
    }
    case 'new-labels': {
      const n = signals.newLabelsSinceLastRun;
      if (n >= c.labelCount) {
        return fire(`${n} new labels since the last run (threshold ${c.labelCount}).`);
      }
      return wait(`${n} of ${c.labelCount} new labels since the last run.`);
    }
    case 'drift': {
      if (!w) return wait('No monitoring window yet.');
      if (w.seq === clock.lastWindowSeq) {
        return wait(`Window #${w.seq} already started a run; waiting for a new window.`);
      }
      if (STATE_RANK[w.state] >= STATE_RANK[c.driftLevel]) {
        const kind = w.driftKind ? ` (${w.driftKind})` : '';
        return fire(
          `Window #${w.seq} is in state '${w.state}'${kind} (fires at '${c.driftLevel}').`,
        );
      }
      return wait(`Window #${w.seq} is '${w.state}'; the policy fires at '${c.driftLevel}'.`);
    }
    case 'performance-drop': {
      if (!w) return wait('No monitoring window yet.');
      if (w.seq === clock.lastWindowSeq) {
        return wait(`Window #${w.seq} already started a run; waiting for a new window.`);
      }
      if (w.labelCount < c.minLabels || w.accuracy === undefined) {
        return wait(
          `Window #${w.seq} has ${w.labelCount} delayed labels; at least ${c.minLabels} are needed to judge accuracy.`,
        );
      }
      const acc = w.accuracy.toFixed(3);
      if (w.accuracy < c.metricThreshold) {
        return fire(
          `Accuracy ${acc} on window #${w.seq} (${w.labelCount} labels) is below ${c.metricThreshold}.`,
        );
      }
      return wait(
        `Accuracy ${acc} on window #${w.seq} is at or above the threshold ${c.metricThreshold}.`,
      );
    }
  }
}

/** Signals of one project, read fresh at every tick (adapters read them from the database). */
export type SignalSource = (policy: TriggerPolicy, clock: PolicyClock) => Promise<TriggerSignals>;

export interface SchedulerDeps {
  /** The current time (a fake clock in tests). */
  now: () => number;
  /** Enabled and disabled policies of the project. */
  policies: () => Promise<TriggerPolicy[]>;
  /** Per-policy memory: last run start and the window that triggered it. */
  clockOf: (policyId: string) => Promise<PolicyClock>;
  signals: SignalSource;
  /** Whether a pipeline of the project is running (also one started by hand or in another tab). */
  isBusy: () => Promise<boolean>;
  /** Starts a pipeline run; resolves when it ends. */
  start: (
    policy: TriggerPolicy,
    decision: TriggerDecision,
    signals: TriggerSignals,
  ) => Promise<void>;
}

/**
 * Evaluates every policy of one project on each `tick()` and starts at most one pipeline at a time
 * (single-flight): while a run is going, ticks only report. The page calls `tick()` on a timer
 * while the app is open and once when it opens (which is when a schedule's catch-up happens).
 */
export class TriggerScheduler {
  #deps: SchedulerDeps;
  #running: Promise<void> | null = null;
  #ticking = false;

  constructor(deps: SchedulerDeps) {
    this.#deps = deps;
  }

  get running(): boolean {
    return this.#running !== null;
  }

  /** What every policy would do now, without starting anything (the dry-run). */
  async dryRun(): Promise<TriggerDecision[]> {
    const busy = this.#running !== null || (await this.#deps.isBusy());
    const now = this.#deps.now();
    const out: TriggerDecision[] = [];
    for (const policy of await this.#deps.policies()) {
      const clock = await this.#deps.clockOf(policy.id);
      const signals = await this.#deps.signals(policy, clock);
      out.push(evaluateTrigger(policy, clock, signals, { now, busy }));
    }
    return out;
  }

  /**
   * Evaluates the policies and starts the first that fires. Returns the decision that started a
   * run, or null. Overlapping ticks are dropped (a slow database read cannot start two runs).
   */
  async tick(): Promise<TriggerDecision | null> {
    if (this.#ticking || this.#running) return null;
    this.#ticking = true;
    try {
      if (await this.#deps.isBusy()) return null;
      const now = this.#deps.now();
      for (const policy of await this.#deps.policies()) {
        const clock = await this.#deps.clockOf(policy.id);
        const signals = await this.#deps.signals(policy, clock);
        const decision = evaluateTrigger(policy, clock, signals, { now, busy: false });
        if (decision.outcome !== 'fire') continue;
        const run = this.#deps
          .start(policy, decision, signals)
          .catch(() => undefined)
          .finally(() => {
            this.#running = null;
          });
        this.#running = run;
        return decision;
      }
      return null;
    } finally {
      this.#ticking = false;
    }
  }

  /** Resolves when the current run (if any) has ended. */
  async idle(): Promise<void> {
    while (this.#running) await this.#running;
  }
}
