// Benchmark suite: retraining automation on monitoring's seeded SEA drifting stream (issue 8).
// bench/pages/automation.ts runs TF.js in the page (CPU backend by default) with the ML worker's
// continual-learning code and the automation's triggers, data selection and replay. Two parts:
// `stream` (windowed accuracy over the whole stream, automation off vs on) and `forgetting` (full
// retrain vs naive fine-tune vs fine-tune + replay + EWC/MAS: accuracy on the new concept,
// retention on the old one, training time). Writes bench/results/automation.json.
//
// Environment: BENCH_AUTOMATION_SEEDS (default "1,2,3"), BENCH_AUTOMATION_BACKEND (default "cpu"),
// BENCH_AUTOMATION_ROWS (stream length, default 6000).
import { inFreshPage, machineInfo, round, writeResult } from '../lib.mjs';

export const name = 'automation';

const seeds = (process.env.BENCH_AUTOMATION_SEEDS ?? '1,2,3').split(',').map(Number);
const backend = process.env.BENCH_AUTOMATION_BACKEND ?? 'cpu';
const rows = Number(process.env.BENCH_AUTOMATION_ROWS ?? 6000);

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

export async function run({ browser, url }) {
  const stream = [];
  const forgetting = [];
  let ran = backend;
  for (const seed of seeds) {
    console.log(`\nseed ${seed}`);
    const f = await inFreshPage(browser, url, async (page) => {
      ran = await page.evaluate((b) => window.inloopBench.automationBackend(b), backend);
      const s = await page.evaluate((o) => window.inloopBench.automationStream(o), {
        seed,
        rows,
        window: 250,
        initialRows: 500,
      });
      const fg = [];
      for (const newConcept of [1, 2]) {
        fg.push({
          newConcept,
          ...(await page.evaluate((o) => window.inloopBench.automationForgetting(o), {
            seed,
            oldRows: 1000,
            newRows: 500,
            replay: 250,
            lambda: 50,
            newConcept,
          })),
        });
      }
      return { s, fg };
    });
    console.log(
      `  stream: mean windowed accuracy off ${round(f.s.meanOff, 3)}, on ${round(f.s.meanOn, 3)}; ` +
        `${f.s.pipelineRuns.length} pipeline runs, ${f.s.pipelineRuns.filter((r) => r.promoted).length} promoted`,
    );
    stream.push({ seed, ...f.s });
    for (const g of f.fg) forgetting.push({ seed, ...g });
  }

  const methods = [...new Set(forgetting.flatMap((f) => f.methods.map((m) => m.method)))];
  const summary = [1, 2].map((newConcept) => {
    const runs = forgetting.filter((f) => f.newConcept === newConcept);
    return {
      newConcept,
      baseOldAccuracy: round(mean(runs.map((r) => r.baseOld)), 3),
      baseNewAccuracy: round(mean(runs.map((r) => r.baseNew)), 3),
      methods: methods.map((m) => {
        const rs = runs.map((r) => r.methods.find((x) => x.method === m));
        return {
          method: m,
          newAccuracy: round(mean(rs.map((r) => r.newAccuracy)), 3),
          oldRetention: round(mean(rs.map((r) => r.oldRetention)), 3),
          trainMs: round(mean(rs.map((r) => r.trainMs)), 0),
        };
      }),
    };
  });
  const streamSummary = {
    meanAccuracyOff: round(mean(stream.map((s) => s.meanOff)), 3),
    meanAccuracyOn: round(mean(stream.map((s) => s.meanOn)), 3),
    afterSuddenDrift: {
      off: round(mean(stream.map((s) => s.afterDrift[0].off)), 3),
      on: round(mean(stream.map((s) => s.afterDrift[0].on)), 3),
    },
    afterGradualDrift: {
      off: round(mean(stream.map((s) => s.afterDrift[1].off)), 3),
      on: round(mean(stream.map((s) => s.afterDrift[1].on)), 3),
    },
    pipelineRunsPerStream: round(mean(stream.map((s) => s.pipelineRuns.length)), 1),
    promotedPerStream: round(
      mean(stream.map((s) => s.pipelineRuns.filter((r) => r.promoted).length)),
      1,
    ),
  };

  await writeResult('automation', {
    machine: { ...machineInfo(browser), tfjsBackend: ran },
    method:
      `TF.js ${ran} backend in the bench page; seeds ${seeds.join(', ')}. Model: MLP 3→32→16→2 ` +
      '(ReLU, softmax), Adam, batch 32, features standardised with the first concept’s statistics ' +
      '(kept by fine-tunes, as the app keeps a champion’s featurisation). STREAM: seaStream ' +
      `(src/monitoring/synthetic-streams.ts, default concepts with covariate shift, 10% label noise), ${rows} rows, ` +
      'a sudden drift at 1/3 and a gradual one (width 2 windows) at 2/3; windows of 250 rows; the ' +
      'first 500 rows train the first model (30 epochs, lr 0.01). Off: that model serves the whole ' +
      'stream. On: DDM over the delayed-label errors gives each window a state; a drift policy ' +
      '(evaluateTrigger, cooldown 0, a window fires once) starts a pipeline: data selection by ' +
      'resolveSelection(auto) (sudden → recent 2 windows; gradual → recent 2 windows + reservoir ' +
      'replay of half as many older items), a challenger fine-tuned from the champion (20 epochs, ' +
      'lr 0.005, EWC λ = 100 on older items unless recent-windows), and the registry gate ' +
      '(evaluateGate, accuracy, margin 0.01, McNemar p < 0.05) on the held-out tenth of the labels ' +
      'of the recent windows; promoted if it passes. Windowed accuracy = accuracy of the serving ' +
      'model on each window before its labels arrive. FORGETTING: concept A = SEA θ 8 (1000 training ' +
      'rows, 5% noise), concept B = newConcept (1: θ 9, x1 +1.5, x3 +3; 2: θ 9.5, x1 +4, x2 +1, x3 −2) ' +
      'with 500 rows; 1000-row test sets each. Base: 30 epochs on A. Fine-tunes: 20 epochs, lr ' +
      '0.005, from the base; replay = 250 A rows by reservoir; EWC/MAS λ = 50 with importance on 256 ' +
      'A rows (workers/ml-continual.ts, the worker’s code). Full retrain: from scratch on A ∪ B, 30 ' +
      'epochs, lr 0.01. Bandit: EXP3 (γ 0.2) over 4 input regions of A, 3 rounds of ~83 replayed ' +
      'rows, rewarded by relative loss reduction on the region. trainMs includes the importance ' +
      'estimate. The machine is shared with other jobs: read times as rough.',
    results: { stream: streamSummary, forgetting: summary, perSeed: { stream, forgetting } },
  });
  console.log('\nAutomation: stream');
  console.table([streamSummary]);
  for (const s of summary) {
    console.log(
      `\nForgetting, new concept ${s.newConcept} (base: old ${s.baseOldAccuracy}, new ${s.baseNewAccuracy})`,
    );
    console.table(s.methods);
  }
  console.log('Wrote bench/results/automation.json.');
}
