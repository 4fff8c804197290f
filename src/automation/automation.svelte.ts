// The Automate page's state, and the scheduler that evaluates a project's retraining policies while
// the app is open. One scheduler per project and page (`automationFor`): it keeps running when the
// user leaves the Automate page, so a drift alarm starts a pipeline wherever the user is. Policies
// and pipeline runs are read through live queries, so a run started by the scheduler (or in
// another tab) shows up at once.
import {
  LiveQuery,
  PipelineBusyError,
  annotationsRepo,
  automationRepo,
  getDb,
  registryRepo,
  runsRepo,
  sourcesRepo,
  type AutomationRepo,
} from '../persistence';
import type { PipelineRunRecord, PolicyRecord, PolicyTrigger } from '../persistence/schema';
import type { Project } from '../projects/types';
import type { MlBridge } from '../training/ml-bridge';
import {
  createPipelineDeps,
  policyClock,
  toTriggerPolicy,
  triggerSignals,
  type AutomationDeps,
} from './automation-service';
import { runPipeline, type PipelineRequest } from './pipeline';
import { TriggerScheduler, policyConfigProblem, resolvePolicyConfig } from './triggers';
import { DEFAULT_POLICY_CONFIG, type PolicyConfig, type TriggerDecision } from './types';

/** How often the scheduler looks at the triggers while the app is open. */
export const TICK_MS = 4000;
/** A 'running' pipeline row older than this when the page opens belongs to a tab that died. */
const STALE_RUN_MS = 60 * 60_000;

export interface AutomationNotices {
  push(tone: 'info' | 'ok' | 'error', text: string): void;
}

/** What the policy editor hands back. */
export interface PolicyDraft {
  id?: string;
  name: string;
  enabled: boolean;
  trigger: PolicyTrigger;
  config: PolicyConfig;
}

export const TRIGGER_LABEL: Record<PolicyTrigger, string> = {
  schedule: 'On a schedule',
  'new-labels': 'After new labels',
  drift: 'On drift',
  'performance-drop': 'On a performance drop',
};

export class AutomationState {
  readonly project: Project;
  readonly repo: AutomationRepo;
  readonly policies: LiveQuery<PolicyRecord[]>;
  readonly runs: LiveQuery<PipelineRunRecord[]>;
  dryRun = $state.raw<TriggerDecision[] | null>(null);
  /** The pipeline this tab runs now, with its cancel. */
  active = $state.raw<{ runId: string | null; controller: AbortController } | null>(null);
  error = $state<string | null>(null);
  ticking = $state(false);
  #scheduler: TriggerScheduler;
  #deps: AutomationDeps;
  #notices: AutomationNotices;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(project: Project, bridge: MlBridge, notices: AutomationNotices) {
    this.project = project;
    this.#notices = notices;
    this.repo = automationRepo;
    this.#deps = {
      project,
      bridge,
      dbName: getDb().name,
      automation: this.repo,
      annotations: annotationsRepo,
      sources: sourcesRepo,
      runs: runsRepo,
      registry: registryRepo,
    };
    this.policies = new LiveQuery(() => this.repo.listPolicies(project.id), []);
    this.runs = new LiveQuery(() => this.repo.listRuns(project.id, 30), []);
    this.#scheduler = new TriggerScheduler({
      now: () => Date.now(),
      policies: async () => (await this.repo.listPolicies(project.id)).map(toTriggerPolicy),
      clockOf: (id) => policyClock(this.repo, id),
      signals: (policy, clock) => triggerSignals(this.repo, project.id, policy, clock),
      isBusy: async () =>
        this.active !== null || (await this.repo.runningRun(project.id)) !== undefined,
      start: async (policy, decision, signals) => {
        await this.#run({
          projectId: project.id,
          policyId: policy.id,
          config: policy.config,
          trigger: {
            kind: policy.trigger,
            reason: decision.reason,
            ...(signals.latestWindow ? { windowSeq: signals.latestWindow.seq } : {}),
            ...(decision.catchUp ? { catchUp: true } : {}),
          },
          seed: this.project.seed + (Date.now() % 100_000),
        });
      },
    });
  }

  /** Starts the timer (and a first tick: a schedule's catch-up happens now). Idempotent. */
  start(): void {
    if (this.#timer !== undefined) return;
    void this.repo.markInterrupted(this.project.id, Date.now() - STALE_RUN_MS).catch(() => 0);
    this.#timer = setInterval(() => void this.tick(), TICK_MS);
    void this.tick();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.#scheduler.tick();
    } catch (error) {
      this.error = error instanceof Error ? error.message : String(error);
    } finally {
      this.ticking = false;
    }
  }

  async runDry(): Promise<void> {
    this.dryRun = await this.#scheduler.dryRun();
  }

  async #run(request: PipelineRequest): Promise<void> {
    const controller = new AbortController();
    this.active = { runId: null, controller };
    try {
      const deps = createPipelineDeps(this.#deps, (tone, text) => this.#notices.push(tone, text));
      await runPipeline(deps, request, controller.signal);
    } catch (error) {
      const text =
        error instanceof PipelineBusyError
          ? 'A pipeline run of this project is already running.'
          : `The pipeline could not start: ${error instanceof Error ? error.message : String(error)}`;
      this.#notices.push('error', text);
    } finally {
      this.active = null;
    }
  }

  /** "Run now": a pipeline with this policy's settings (or the defaults), started by hand. */
  async runNow(policy: PolicyRecord | null): Promise<void> {
    if (this.active) return;
    const config = policy ? resolvePolicyConfig(policy.config) : { ...DEFAULT_POLICY_CONFIG };
    await this.#run({
      projectId: this.project.id,
      policyId: policy?.id ?? null,
      config,
      trigger: {
        kind: 'manual',
        reason: policy
          ? `Started by hand with the settings of “${policy.name}”.`
          : 'Started by hand.',
      },
      seed: this.project.seed + (Date.now() % 100_000),
    });
  }

  cancel(): void {
    this.active?.controller.abort(new DOMException('Cancelled by the user', 'AbortError'));
  }

  /** Validates and stores a policy; returns the problem in words instead when it is invalid. */
  async savePolicy(draft: PolicyDraft): Promise<string | null> {
    const name = draft.name.trim();
    if (!name) return 'Give the policy a name.';
    const problem = policyConfigProblem(draft.config);
    if (problem) return problem;
    const now = Date.now();
    const existing = draft.id ? await this.repo.getPolicy(draft.id) : undefined;
    await this.repo.savePolicy(
      {
        id: existing?.id ?? crypto.randomUUID(),
        projectId: this.project.id,
        name,
        enabled: draft.enabled,
        trigger: draft.trigger,
        config: { ...draft.config },
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
      },
      now,
    );
    this.dryRun = null;
    return null;
  }

  async setPaused(policy: PolicyRecord, paused: boolean): Promise<void> {
    await this.repo.savePolicy({ ...policy, config: { ...policy.config, paused } });
    this.dryRun = null;
  }

  async setEnabled(policy: PolicyRecord, enabled: boolean): Promise<void> {
    await this.repo.savePolicy({ ...policy, enabled });
    this.dryRun = null;
  }

  async deletePolicy(policy: PolicyRecord): Promise<void> {
    await this.repo.deletePolicy(policy.id);
    this.dryRun = null;
  }
}

/** Plain record, not reactive state: one entry per project for the page's lifetime. */
const states: Record<string, AutomationState> = {};

/**
 * The project's automation state, created once per page load and started: its scheduler keeps
 * evaluating triggers while the app is open, whichever section is shown.
 */
export function automationFor(
  project: Project,
  bridge: MlBridge,
  notices: AutomationNotices,
): AutomationState {
  let state = states[project.id];
  if (!state) {
    state = new AutomationState(project, bridge, notices);
    states[project.id] = state;
  }
  state.start();
  return state;
}
