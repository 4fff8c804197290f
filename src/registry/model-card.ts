// The model card of a version: generated Markdown (after Mitchell et al. 2019, "Model Cards for
// Model Reporting") covering data, labels, metrics per class, calibration, known limits and
// lineage. Pure string building from stored records; every string a user typed (project and
// source names, tags, notes, class names, config values) is escaped so it reads as text, never as
// Markdown or HTML.
import type { ClassificationMetrics } from '../training/metrics';
import { ECE_BINS } from '../training/metrics';
import type { RunRecord } from '../persistence/schema';
import type { ModelVersion } from './types';
import type { FeatureImportanceResult } from '../training/train-types';
import { intervalText, smallClassWarning, smallSplitWarning } from './intervals';

/** Test sets smaller than this give wide uncertainty on every metric. */
const SMALL_TEST_SET = 100;
/** Classes with fewer test items than this have unreliable per-class metrics. */
const SMALL_CLASS_SUPPORT = 10;
/**
 * ECE above this is called out: Guo et al. 2017 report 0.02–0.05 for calibrated models and above
 * 0.1 for the overconfident deep networks they set out to fix.
 */
const HIGH_ECE = 0.1;

export interface ModelCardInput {
  projectName: string;
  version: ModelVersion;
  run: RunRecord;
  /** Limits the user wrote down, listed before the generated ones. */
  knownLimits?: readonly string[];
}

// CommonMark lets any ASCII punctuation be backslash-escaped. Escaped anywhere: what can open
// emphasis, links, code, tables, strikethrough or quotes. Escaped only at the start, where they
// would begin a heading, a list item, a rule or a setext underline: `#`, `=`, `-`, `+`, `1.`/`1)`. `<` and `&` become
// entities so raw HTML and entity references cannot slip through.
const INLINE_SPECIAL = /[\\`*_{}[\]()|~>]/g;
const LINE_START_SPECIAL = /^[#=+-]/;

/** One line of user text as literal Markdown: whitespace runs (newlines too) become one space. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(INLINE_SPECIAL, (ch) => `\\${ch}`)
    .replace(LINE_START_SPECIAL, (ch) => `\\${ch}`)
    .replace(/^(\d+)([.)])(?=\s|$)/, '$1\\$2');
}

/** Multi-line user text (notes): paragraphs kept, each line escaped as {@link escapeMarkdown}. */
export function escapeMarkdownBlock(text: string): string {
  return text
    .split(/\r?\n\s*\r?\n/)
    .map((paragraph) =>
      paragraph
        .split(/\r?\n/)
        .map(escapeMarkdown)
        .filter((line) => line !== '')
        .join('  \n'),
    )
    .filter((paragraph) => paragraph !== '')
    .join('\n\n');
}

/** A code span that holds any text: fenced with more backticks than the text contains in a row. */
export function codeSpan(text: string): string {
  const flat = text.replace(/\s+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

const num = (x: number): string => x.toFixed(4);

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The run's per-split reports, those that have the shape of `ClassificationMetrics`. */
export function readEvaluation(run: RunRecord): Partial<Record<string, ClassificationMetrics>> {
  const out: Partial<Record<string, ClassificationMetrics>> = {};
  for (const [split, report] of Object.entries(run.evaluation ?? {})) {
    if (
      isRecord(report) &&
      typeof report.count === 'number' &&
      typeof report.accuracy === 'number' &&
      typeof report.macroF1 === 'number' &&
      typeof report.ece === 'number' &&
      Array.isArray(report.perClass)
    ) {
      out[split] = report as unknown as ClassificationMetrics;
    }
  }
  return out;
}

const SPLIT_ORDER = ['test', 'validation'];

/** The Markdown model card of one version. */
export function modelCard(input: ModelCardInput): string {
  const { version: v, run } = input;
  const lineage = v.lineage;
  const className = new Map(v.labels.classes.map((c) => [c.id, c.name]));
  const nameOf = (id: string): string => escapeMarkdown(className.get(id) ?? id);
  const evaluation = readEvaluation(run);
  const splits = Object.keys(evaluation).sort(
    (a, b) =>
      (SPLIT_ORDER.indexOf(a) + 1 || 99) - (SPLIT_ORDER.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  const out: string[] = [];

  out.push(`# Model card: ${escapeMarkdown(input.projectName)}, version ${v.version}`);
  const summary = [
    `- **Version:** ${v.version} (${codeSpan(v.id)})`,
    `- **Status:** ${v.status}${v.aliases.length ? `, alias ${v.aliases.join(', ')}` : ''}`,
    `- **Registered:** ${new Date(v.createdAt).toISOString()}`,
    `- **Run:** ${codeSpan(v.runId)}`,
  ];
  if (v.tags.length) summary.push(`- **Tags:** ${v.tags.map(escapeMarkdown).join(', ')}`);
  out.push(summary.join('\n'));
  if (v.notes.trim()) out.push(`## Notes\n\n${escapeMarkdownBlock(v.notes)}`);
  out.push(modelSection(run));

  // Data
  const data = [`## Data\n\nData snapshot digest: ${codeSpan(lineage.dataSnapshot.digest)}`];
  if (lineage.dataSnapshot.sources.length) {
    data.push(
      table(
        ['Source', 'Id', 'Content digest (SHA-256)'],
        lineage.dataSnapshot.sources.map((s) => [
          escapeMarkdown(s.name),
          codeSpan(s.id),
          s.digest ? codeSpan(s.digest) : 'unknown',
        ]),
      ),
    );
  } else {
    data.push('The run did not record which sources it read.');
  }
  if (run.splitCounts) {
    const counts = Object.entries(run.splitCounts)
      .map(([split, n]) => `${escapeMarkdown(split)} ${n}`)
      .join(', ');
    data.push(`Labelled items per split: ${counts}.`);
  }
  out.push(data.join('\n\n'));

  // Labels
  const labels = lineage.labelSnapshot;
  out.push(
    [
      '## Labels',
      [
        `- **Labelled items:** ${labels.count}`,
        `- **Label snapshot digest:** ${codeSpan(labels.digest)}`,
        `- **Annotators:** ${labels.annotators.length ? labels.annotators.map(escapeMarkdown).join(', ') : 'not recorded'}`,
        `- **Classes (output order):** ${v.labels.classIds.map(nameOf).join(', ') || 'not recorded'}`,
      ].join('\n'),
    ].join('\n\n'),
  );

  // Metrics
  const metrics = ['## Metrics'];
  if (splits.length === 0) {
    metrics.push('The run recorded no evaluation.');
  } else {
    metrics.push(
      'Every metric is computed on the items of its split (n). Below 300 items the accuracy and ' +
        "each class's recall come with a 95 % Wilson score interval: the range the true rate " +
        'plausibly lies in, given so few items.',
    );
    for (const split of splits) {
      const m = evaluation[split] as ClassificationMetrics;
      const warnings = [
        smallSplitWarning(escapeMarkdown(split), m.count),
        smallClassWarning(
          escapeMarkdown(split),
          m.perClass.map((c) => ({ name: nameOf(c.classId), n: c.support })),
        ),
      ].filter((w): w is string => w !== null);
      // A list, not a blockquote: the card's own reader (markdown.ts) knows lists.
      if (warnings.length) metrics.push(warnings.map((w) => `- **Warning:** ${w}`).join('\n'));
    }
    metrics.push(
      table(
        [
          'Split',
          'Items (n)',
          'Accuracy',
          'Accuracy 95 % Wilson interval',
          'Macro-F1',
          'Log loss',
          'ECE',
        ],
        splits.map((split) => {
          const m = evaluation[split] as ClassificationMetrics;
          return [
            escapeMarkdown(split),
            String(m.count),
            num(m.accuracy),
            intervalText(m.accuracy, m.count) ?? 'not shown (n ≥ 300)',
            num(m.macroF1),
            num(m.logLoss),
            num(m.ece),
          ];
        }),
      ),
    );
    for (const split of splits) {
      const m = evaluation[split] as ClassificationMetrics;
      metrics.push(
        `### Per class (${escapeMarkdown(split)})\n\n` +
          table(
            ['Class', 'Precision', 'Recall', 'Recall 95 % Wilson interval', 'F1', 'Support (n)'],
            m.perClass.map((c) => [
              nameOf(c.classId),
              num(c.precision),
              num(c.recall),
              intervalText(c.recall, c.support) ?? (c.support === 0 ? '—' : 'not shown (n ≥ 300)'),
              num(c.f1),
              String(c.support),
            ]),
          ),
      );
    }
  }
  out.push(metrics.join('\n\n'));

  // Calibration
  const calibration = ['## Calibration'];
  if (splits.length === 0) {
    calibration.push('No calibration was measured.');
  } else {
    calibration.push(
      `Expected calibration error (ECE, ${ECE_BINS} equal-width bins of the top probability, ` +
        'Guo et al. 2017): the average gap between how confident the model is and how often it is ' +
        'right. 0 is perfectly calibrated.',
    );
    calibration.push(
      splits
        .map((split) => {
          const ece = (evaluation[split] as ClassificationMetrics).ece;
          const note =
            ece > HIGH_ECE ? ' — its probabilities should not be read as frequencies' : '';
          return `- ${escapeMarkdown(split)}: ${num(ece)}${note}`;
        })
        .join('\n'),
    );
  }
  out.push(calibration.join('\n\n'));
  out.push(importanceSection(v));

  // Promotion
  if (v.promotion) {
    const p = v.promotion;
    const how = p.overridden
      ? `Promoted to champion by ${escapeMarkdown(p.actor)} **past a failed gate** (manual override). Reason: ${escapeMarkdown(p.reason ?? '')}`
      : `Promoted to champion by ${escapeMarkdown(p.actor)} after passing the gate.`;
    out.push(
      `## Promotion gate\n\n${how}\n\n${p.verdict.reasons.map((r) => `- ${escapeMarkdown(r)}`).join('\n')}`,
    );
  }

  // Known limits
  out.push(
    `## Known limits\n\n${knownLimits(input, evaluation, nameOf)
      .map((l) => `- ${l}`)
      .join('\n')}`,
  );

  // Lineage
  const configRows = Object.entries(lineage.config)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => [escapeMarkdown(key), codeSpan(JSON.stringify(value) ?? 'undefined')]);
  out.push(
    [
      '## Lineage',
      [
        `- **Run:** ${codeSpan(lineage.runId)}, seed ${lineage.seed}`,
        `- **Config hash:** ${lineage.configHash ? codeSpan(lineage.configHash) : 'not recorded'}`,
        `- **Parent version:** ${lineage.parentModelId ? codeSpan(lineage.parentModelId) : 'none (trained from scratch)'}`,
        `- **App version:** ${lineage.appVersion ? escapeMarkdown(lineage.appVersion) : 'not recorded'}`,
        `- **Backend:** ${lineage.backend}${lineage.adapter ? ` (${escapeMarkdown(lineage.adapter)})` : ''}`,
      ].join('\n'),
      configRows.length ? `### Config\n\n${table(['Setting', 'Value'], configRows)}` : '',
    ]
      .filter((part) => part !== '')
      .join('\n\n'),
  );

  return `${out.join('\n\n')}\n`;
}

function knownLimits(
  input: ModelCardInput,
  evaluation: Partial<Record<string, ClassificationMetrics>>,
  nameOf: (id: string) => string,
): string[] {
  const limits = (input.knownLimits ?? []).map(escapeMarkdown).filter((l) => l !== '');
  const test = evaluation.test;
  if (!test || test.count === 0) {
    limits.push('No test-split evaluation is recorded, so the quality of this version is unknown.');
  } else {
    if (test.count < SMALL_TEST_SET) {
      limits.push(
        `The test split has only ${test.count} items; every metric above is uncertain by several points.`,
      );
    }
    const thin = test.perClass.filter((c) => c.support < SMALL_CLASS_SUPPORT);
    if (thin.length) {
      limits.push(
        `Per-class metrics rest on fewer than ${SMALL_CLASS_SUPPORT} test items for: ` +
          `${thin.map((c) => `${nameOf(c.classId)} (${c.support})`).join(', ')}.`,
      );
    }
    if (test.ece > HIGH_ECE) {
      limits.push(
        `Calibration is poor (test ECE ${num(test.ece)}): predicted probabilities overstate or understate how often the model is right.`,
      );
    }
  }
  limits.push(
    'Measured on a held-out split of the labelled pool: production traffic that drifts away from ' +
      'that data can score worse; watch the monitoring page.',
  );
  return limits;
}

/** How each family is named on the card. */
const FAMILY_TITLES: Record<string, string> = {
  linear: 'Linear (multinomial logistic regression, solved exactly)',
  'boosted-trees': 'Boosted trees (histogram gradient boosting, as scikit-learn)',
  network: 'Network (TF.js)',
};

/**
 * The model's family and its parameters. Runs before model families were recorded carry no
 * `learner`: they are networks, whose parameters are in the config table under Lineage.
 */
function modelSection(run: RunRecord): string {
  const learner = run.learner;
  const family = learner?.family ?? 'network';
  const lines = [`## Model\n\n- **Family:** ${FAMILY_TITLES[family] ?? escapeMarkdown(family)}`];
  if (learner?.iterations !== undefined) {
    const how =
      learner.converged === undefined
        ? ''
        : learner.converged
          ? ' (converged)'
          : ' (not converged)';
    lines.push(`- **Iterations:** ${learner.iterations}${how}`);
  }
  const parts = [lines.join('\n')];
  const params = Object.entries(learner?.params ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (params.length) {
    parts.push(
      table(
        ['Parameter', 'Value'],
        params.map(([k, value]) => [escapeMarkdown(k), codeSpan(String(value))]),
      ),
    );
  }
  if (learner?.trials?.length) {
    parts.push(
      `### Auto's trials (best validation log-loss kept)\n\n${table(
        ['Family', 'Parameters', 'Val log-loss', 'Chosen'],
        learner.trials.map((t) => [
          FAMILY_TITLES[t.family]?.split(' (')[0] ?? escapeMarkdown(t.family),
          escapeMarkdown(
            Object.entries(t.params)
              .map(([k, value]) => `${k}=${value}`)
              .join(', '),
          ) || '—',
          t.valLogLoss === undefined ? escapeMarkdown(t.note ?? '—') : num(t.valLogLoss),
          t.chosen ? 'yes' : '',
        ]),
      )}`,
    );
  }
  return parts.join('\n\n');
}

/** `0.1234 ± 0.0056`. */
const meanStd = (x: { mean: number; std: number }): string => `${num(x.mean)} ± ${num(x.std)}`;

/** Why a version of this modality gets no importance table (workers/ml-importance.ts). */
export function importanceUnavailable(version: Pick<ModelVersion, 'featurisation'>): string | null {
  const modality = version.featurisation.modality;
  if (modality === 'text') {
    return 'Not computed for text models: their input is one text column, and permuting it only shows that the model reads its text.';
  }
  if (modality === 'image') {
    return 'Not computed for image models: every pixel is a column, and per-pixel shuffles say little while costing a scoring pass each.';
  }
  return null;
}

/** The permutation-importance section: a table once computed, or why it is not there. */
function importanceSection(v: ModelVersion): string {
  const title = '## Feature importance (permutation, holdout)';
  const unavailable = importanceUnavailable(v);
  if (unavailable) return `${title}\n\n${unavailable}`;
  const r: FeatureImportanceResult | undefined = v.featureImportance;
  if (!r) {
    return `${title}\n\nNot computed yet: compute it on the Models page (version detail, Overview).`;
  }
  const where =
    r.evaluatedOn === 'holdout'
      ? `the ${r.rows} labelled frozen-holdout items`
      : `the ${r.rows} items of the test split (the frozen holdout has only ${r.holdoutItems} labelled items)`;
  const parts = [
    title,
    `How much the score drops when one input column is shuffled across ${where}, as ` +
      "scikit-learn's `permutation_importance` measures it: mean ± standard deviation over " +
      `${r.nRepeats} shuffles (seed ${r.seed}). Baseline accuracy ${num(r.baseline.accuracy)}, ` +
      `log loss ${num(r.baseline.logLoss)}. A categorical column is shuffled as a whole (all its ` +
      'one-hot slots together). Near 0 means the model does not rely on the column here; it can ' +
      'still matter together with a correlated one.',
  ];
  if (r.note) parts.push(`_${escapeMarkdown(r.note)}_`);
  parts.push(
    table(
      ['Feature', 'Kind', 'Accuracy drop', 'Log-loss increase'],
      r.features.map((f) => [
        escapeMarkdown(f.name),
        f.kind,
        meanStd(f.accuracyDrop),
        meanStd(f.logLossIncrease),
      ]),
    ),
  );
  return parts.join('\n\n');
}
