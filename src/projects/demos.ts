// Demo projects: one click on the Projects page creates a project and imports a dataset shipped in
// public/demo/ (built by scripts/make-demo-data.mjs, licences in public/demo/LICENSES.md). The
// file is fetched from our own origin (the service worker precaches it, so demos work offline)
// and goes through the same IngestBridge as a user's file. Only a seed fraction of the known labels
// is imported, so the project opens "ready to label" with the true target still in its column.
import type { ImportError, ImportProgress, ImportSummary } from '../data/import-types';
import type { IngestBridge } from '../data/ingest-bridge';
import { describeImportError } from '../data/import-errors';
import { err, ok, type Result } from '../lib/result';
import type { ColumnRole } from '../persistence/schema';
import type { Modality, Project } from './types';
import type { ProjectDraft } from './validate';

/** Share of the known labels imported as annotations: the rest is left for the labeling loop. */
export const DEMO_LABEL_FRACTION = 0.1;

export type DemoId = 'digits' | 'penguins' | 'spam' | 'drifting';

export interface DemoSpec {
  id: DemoId;
  name: string;
  modality: Modality;
  /** One line for the Projects page. */
  description: string;
  /** Same-origin path of the shipped file. */
  file: string;
  fileType: string;
  /** Class names with their hotkeys, in the order the project lists them. */
  classes: { name: string; hotkey: string }[];
  /** Image projects: the model input size (MNIST is 28 × 28). */
  imageSize?: number;
  /** Tabular and text demos: which column plays which part. */
  columns?: {
    id: string;
    target: string;
    /** Text demos: the column holding the text. */
    text?: string;
    /** Columns imported but not used as features. */
    ignored?: string[];
  };
  /** Share of known labels imported as annotations (default DEMO_LABEL_FRACTION). */
  labelFraction?: number;
  /**
   * A second, time-ordered source imported with role `production` (traffic for the champion to
   * score and the monitor to watch). Its target column is kept but imports no labels: they
   * arrive later, as delayed labels (a replay's label lag, a labels file).
   */
  production?: { file: string; fileType: string; time: string };
}

export const DEMOS: readonly DemoSpec[] = [
  {
    id: 'digits',
    name: 'Digits',
    modality: 'image',
    description: '3,000 handwritten digits (MNIST), 28 × 28 grayscale, ten classes.',
    file: '/demo/digits.zip',
    fileType: 'application/zip',
    classes: Array.from({ length: 10 }, (_, d) => ({ name: String(d), hotkey: String(d) })),
    imageSize: 28,
  },
  {
    id: 'penguins',
    name: 'Penguins',
    modality: 'tabular',
    description: '344 Palmer penguins: beak, flipper and body measurements of three species.',
    file: '/demo/penguins.csv',
    fileType: 'text/csv',
    classes: [
      { name: 'Adelie', hotkey: '1' },
      { name: 'Chinstrap', hotkey: '2' },
      { name: 'Gentoo', hotkey: '3' },
    ],
    columns: { id: 'id', target: 'Species' },
  },
  {
    id: 'spam',
    name: 'Spam',
    modality: 'text',
    description: 'About 1,000 e-mails from the SpamAssassin corpus, half spam and half ham.',
    file: '/demo/spam.jsonl',
    fileType: 'application/x-ndjson',
    classes: [
      { name: 'ham', hotkey: '1' },
      { name: 'spam', hotkey: '2' },
    ],
    // The subject stays out: one text column per source keeps "which text?" unambiguous downstream.
    columns: { id: 'id', target: 'label', text: 'text', ignored: ['subject'] },
  },
  {
    // Synthetic (scripts/make-drift-demo.mjs, src/monitoring/synthetic-streams.ts): SEA concepts.
    // Pool: 2,000 rows of concept 0 (low when x1 + x2 ≤ 8, 10% label noise), all labelled.
    // Production: 6,000 rows one minute apart from 2026-02-01; a sudden drift at row 2,500
    // (concept 1: θ = 9, x1 +1.5, x3 +3) and a gradual one centred on row 4,500, width 800
    // (concept 2: θ = 9.5, x1 +4, x2 +1, x3 −2).
    id: 'drifting',
    name: 'Drifting stream',
    modality: 'tabular',
    description:
      'Synthetic SEA stream: a labelled pool, then production traffic with a sudden drift at item 2,500 and a gradual one around 4,500.',
    file: '/demo/drifting-pool.csv',
    fileType: 'text/csv',
    classes: [
      { name: 'low', hotkey: '1' },
      { name: 'high', hotkey: '2' },
    ],
    columns: { id: 'id', target: 'label' },
    labelFraction: 1,
    production: { file: '/demo/drifting-production.csv', fileType: 'text/csv', time: 'time' },
  },
];

/** What starting a demo needs from the app; passed in so this module stays free of UI state. */
export interface DemoDeps {
  bridge: IngestBridge;
  existingNames: readonly string[];
  createProject: (draft: ProjectDraft) => Promise<Result<Project, string>>;
  updateProject: (id: string, patch: Partial<Project>) => Promise<void>;
  removeProject: (id: string) => Promise<unknown>;
  fetch?: typeof fetch;
}

export type DemoPhase = 'downloading' | 'creating' | 'importing';

export interface DemoCallbacks {
  signal?: AbortSignal;
  onPhase?: (phase: DemoPhase) => void;
  onProgress?: (progress: ImportProgress) => void;
}

/** "Digits demo", or "Digits demo 2" when that name is taken. */
export function demoProjectName(spec: DemoSpec, existing: readonly string[]): string {
  const taken = new Set(existing.map((n) => n.trim().toLocaleLowerCase()));
  const base = `${spec.name} demo`;
  if (!taken.has(base.toLocaleLowerCase())) return base;
  for (let i = 2; ; i++) {
    const name = `${base} ${i}`;
    if (!taken.has(name.toLocaleLowerCase())) return name;
  }
}

/**
 * Creates the demo project and imports its data. On any failure (or cancel) the new project is
 * deleted again, so no half project is left; the error comes back as a sentence.
 */
export async function startDemo(
  spec: DemoSpec,
  deps: DemoDeps,
  callbacks: DemoCallbacks = {},
): Promise<Result<{ project: Project; summary: ImportSummary }, string>> {
  const { signal, onPhase, onProgress } = callbacks;
  onPhase?.('downloading');
  let file: File;
  try {
    const response = await (deps.fetch ?? fetch)(spec.file, { signal: signal ?? null });
    if (!response.ok)
      return err(`The demo file ${spec.file} could not be loaded (HTTP ${response.status}).`);
    const blob = await response.blob();
    file = new File([blob], spec.file.split('/').pop()!, { type: spec.fileType });
  } catch (e) {
    if (signal?.aborted) return err(describeImportError({ kind: 'cancelled' }));
    return err(
      `The demo file ${spec.file} could not be loaded: ${e instanceof Error ? e.message : String(e)}.`,
    );
  }

  onPhase?.('creating');
  const created = await deps.createProject({
    name: demoProjectName(spec, deps.existingNames),
    modality: spec.modality,
    classes: spec.classes,
  });
  if (!created.ok) return created;
  let project = created.value;

  try {
    const patch: Partial<Project> = {};
    if (spec.imageSize) patch.imageSize = spec.imageSize;
    if (spec.columns) patch.targetColumn = spec.columns.target;
    if (Object.keys(patch).length > 0) {
      await deps.updateProject(project.id, patch);
      project = { ...project, ...patch };
    }
    onPhase?.('importing');
    const result = await importDemo(spec, project, file, deps.bridge, { signal, onProgress });
    if (!result.ok) {
      await deps.removeProject(project.id);
      return err(describeImportError(result.error));
    }
    if (spec.production) {
      const response = await (deps.fetch ?? fetch)(spec.production.file, {
        signal: signal ?? null,
      });
      if (!response.ok) {
        await deps.removeProject(project.id);
        return err(
          `The demo file ${spec.production.file} could not be loaded (HTTP ${response.status}).`,
        );
      }
      const production = new File([await response.blob()], spec.production.file.split('/').pop()!, {
        type: spec.production.fileType,
      });
      const second = await importDemo(spec, project, production, deps.bridge, {
        signal,
        onProgress,
        production: true,
      });
      if (!second.ok) {
        await deps.removeProject(project.id);
        return err(describeImportError(second.error));
      }
    }
    return ok({ project, summary: result.value });
  } catch (e) {
    await deps.removeProject(project.id).catch(() => undefined);
    return err(`The demo could not be set up: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Class name → class id of a project (demo label values are the class names). */
export function labelMapOf(project: Project): Record<string, string> {
  return Object.fromEntries(project.classes.map((c) => [c.name, c.id]));
}

async function importDemo(
  spec: DemoSpec,
  project: Project,
  file: File,
  bridge: IngestBridge,
  options: {
    signal?: AbortSignal;
    onProgress?: (p: ImportProgress) => void;
    /** Import as the demo's production source (time column, no labels). */
    production?: boolean;
  },
): Promise<Result<ImportSummary, ImportError>> {
  const labelMap = labelMapOf(project);
  if (spec.modality === 'image') {
    return bridge.importImages(
      { zip: file },
      {
        projectId: project.id,
        name: file.name,
        role: 'pool',
        imageSize: project.imageSize,
        labelFromFolder: true,
        labelMap,
        importLabels: DEMO_LABEL_FRACTION,
      },
      options,
    );
  }
  const columns = spec.columns!;
  const preview = await bridge.previewTabular(file, { signal: options.signal });
  if (!preview.ok) return preview;
  const time = options.production ? spec.production?.time : undefined;
  const roleOf = (name: string): ColumnRole => {
    if (name === columns.id) return 'id';
    if (name === time) return 'time';
    if (name === columns.target) return 'target';
    if (columns.ignored?.includes(name)) return 'ignored';
    return 'feature';
  };
  return bridge.importTabular(
    file,
    {
      projectId: project.id,
      name: file.name,
      role: options.production ? 'production' : 'pool',
      modality: spec.modality === 'text' ? 'text' : 'tabular',
      columns: preview.value.inferred.map((c) => ({
        name: c.name,
        type: c.name === columns.text ? 'text' : c.name === columns.target ? 'categorical' : c.type,
        role: roleOf(c.name),
      })),
      idColumn: columns.id,
      targetColumn: columns.target,
      textColumn: columns.text,
      ...(time ? { timeColumn: time } : {}),
      skipRaggedRows: false,
      labelMap,
      importLabels: options.production ? 0 : (spec.labelFraction ?? DEMO_LABEL_FRACTION),
      format: preview.value.format,
      delimiter: preview.value.delimiter,
    },
    options,
  );
}
