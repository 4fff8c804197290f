// The import panel's state: which files were picked, what the preview found, the user's schema
// decisions, and the running import with its progress, result or error sentence. Components only
// render this and forward events. Nothing the user chose is lost on a failed import: the plan
// stays as it was, so they can fix the file or a choice and press Import again.
import type { Project } from '../projects/types';
import type { ColumnRole, SourceRole } from '../persistence/schema';
import { describeImportError, type ImportError } from './import-errors';
import type {
  ImportProgress,
  ImportSummary,
  PathedFile,
  TabularImportPlan,
  TabularPreview,
} from './import-types';
import {
  classifyFiles,
  distinctValues,
  folderNamesOf,
  guessId,
  guessTarget,
  guessTextColumn,
  matchClasses,
  type ImportKind,
} from './import-choices';
import { IngestBridge } from './ingest-bridge';
import type { ColumnType } from './types';

let bridge: IngestBridge | undefined;

/**
 * The page's one ingest bridge (one worker writes sources). Started lazily; the first use also
 * removes staging sources left behind by imports that died with a closed tab.
 */
export function sharedIngestBridge(): IngestBridge {
  if (!bridge) {
    bridge = new IngestBridge();
    void bridge.cleanupStaging();
  }
  return bridge;
}

export interface ColumnChoice {
  name: string;
  type: ColumnType;
  inferredType: ColumnType;
  reason: string;
  role: ColumnRole;
  examples: string[];
}

export type { ImportKind };

export type ImportStatus = 'idle' | 'previewing' | 'ready' | 'importing' | 'done' | 'failed';

export class ImportState {
  readonly #project: () => Project;
  readonly #bridge: () => IngestBridge;

  files = $state.raw<PathedFile[]>([]);
  name = $state('');
  role = $state<SourceRole>('pool');
  status = $state<ImportStatus>('idle');

  preview = $state.raw<TabularPreview | null>(null);
  columns = $state<ColumnChoice[]>([]);
  /** The text column of a text project's tabular import. */
  textColumn = $state('');
  skipRaggedRows = $state(false);
  /** Target value (as in the file) → class id, or '' for "no label". */
  labelMap = $state<Record<string, string>>({});
  /** Fraction of the mapped labels imported as annotations. */
  importLabels = $state(1);
  labelFromFolder = $state(true);

  progress = $state.raw<ImportProgress | null>(null);
  result = $state.raw<ImportSummary | null>(null);
  error = $state<string | null>(null);
  /** Kind of the last failure, to offer the fix that fits it (e.g. skipping ragged rows). */
  errorKind = $state<ImportError['kind'] | null>(null);

  #abort: AbortController | null = null;

  constructor(project: () => Project, bridgeOf: () => IngestBridge = sharedIngestBridge) {
    this.#project = project;
    this.#bridge = bridgeOf;
  }

  readonly kind: ImportKind = $derived(classifyFiles(this.files));

  readonly targetColumn = $derived(this.columns.find((c) => c.role === 'target')?.name ?? '');

  /** Distinct values of the target column in the preview sample, most frequent first. */
  readonly sampleTargetValues: string[] = $derived.by(() => {
    const preview = this.preview;
    if (!preview || !this.targetColumn) return [];
    return distinctValues(preview.sampleRows, preview.header.indexOf(this.targetColumn));
  });

  /**
   * Values the label mapping lists: those in the sample, then every class name not seen there
   * (the sample is the first rows only; a class's rows may all come later in the file).
   */
  readonly targetValues: string[] = $derived.by(() => {
    if (!this.targetColumn) return [];
    const seen = this.sampleTargetValues;
    const lower = seen.map((v) => v.toLocaleLowerCase());
    const unseen = this.#project()
      .classes.map((c) => c.name)
      .filter((n) => !lower.includes(n.toLocaleLowerCase()));
    return [...seen, ...unseen];
  });

  /** Target values in the sample that map to no class (they import without a label). */
  readonly unmappedValues: string[] = $derived(
    this.sampleTargetValues.filter((v) => !this.labelMap[v]),
  );

  /** Folder names of picked image files (the label candidates). */
  readonly folderNames: string[] = $derived(folderNamesOf(this.files));

  readonly raggedProblem = $derived(
    this.preview?.problems.find((p) => p.kind === 'ragged-rows') ?? null,
  );

  /** Offer "skip ragged rows" when the preview saw some or the import failed on them. */
  readonly offerSkipRagged = $derived(
    this.raggedProblem !== null || this.errorKind === 'ragged-rows' || this.skipRaggedRows,
  );

  readonly canImport = $derived.by(() => {
    if (this.status === 'importing' || this.status === 'previewing') return false;
    if (this.name.trim() === '') return false;
    switch (this.kind) {
      case 'tabular':
        return (
          this.preview !== null && (this.#project().modality !== 'text' || this.textColumn !== '')
        );
      case 'images':
      case 'zip':
        return this.#project().modality === 'image';
      case 'texts':
        return this.#project().modality === 'text';
      default:
        return false;
    }
  });

  /** Why the picked files cannot be imported into this project, or null. */
  readonly mismatch: string | null = $derived.by(() => {
    const modality = this.#project().modality;
    switch (this.kind) {
      case 'unsupported':
        return 'These files are not a supported type: pick a CSV, TSV or JSON Lines file, images, a zip of images, or .txt files.';
      case 'images':
      case 'zip':
        return modality === 'image'
          ? null
          : `Images can only go into an image project; this project holds ${modality} data.`;
      case 'texts':
        return modality === 'text'
          ? null
          : `Text files can only go into a text project; this project holds ${modality} data. For tabular data pick a CSV, TSV or JSON Lines file.`;
      case 'tabular':
        return modality === 'image'
          ? 'An image project imports images (files, a folder or a zip), not a table.'
          : null;
      default:
        return null;
    }
  });

  /** Replaces the picked files and, for a table, reads its preview. */
  async setFiles(files: PathedFile[]): Promise<void> {
    this.files = files;
    this.preview = null;
    this.columns = [];
    this.result = null;
    this.error = null;
    this.errorKind = null;
    this.progress = null;
    this.skipRaggedRows = false;
    this.status = 'idle';
    if (files.length === 0) return;
    this.name = defaultSourceName(files);
    if (this.kind === 'images' || this.kind === 'zip') this.#defaultFolderMap();
    if (this.kind !== 'tabular' || this.mismatch) {
      this.status = 'ready';
      return;
    }
    this.status = 'previewing';
    const preview = await this.#bridge().previewTabular(files[0]!.file);
    if (this.files !== files) return; // the user picked something else meanwhile
    if (!preview.ok) {
      this.status = 'failed';
      this.error = describeImportError(preview.error);
      this.errorKind = preview.error.kind;
      return;
    }
    this.#applyPreview(preview.value);
    this.status = 'ready';
  }

  setRole(column: string, role: ColumnRole): void {
    for (const c of this.columns) {
      // One target, one id and one time column at most: choosing one demotes the previous.
      if (c.name !== column && c.role === role && role !== 'feature' && role !== 'ignored') {
        c.role = 'feature';
      }
      if (c.name === column) c.role = role;
    }
    if (role === 'target') this.#defaultLabelMap();
  }

  setType(column: string, type: ColumnType): void {
    const c = this.columns.find((x) => x.name === column);
    if (c) c.type = type;
  }

  /** Builds the plan from the choices (tabular and text-column imports). */
  tabularPlan(): TabularImportPlan {
    const project = this.#project();
    const preview = this.preview!;
    const col = (role: ColumnRole) => this.columns.find((c) => c.role === role)?.name;
    const labelMap = Object.fromEntries(Object.entries(this.labelMap).filter(([, id]) => id));
    return {
      projectId: project.id,
      name: this.name.trim(),
      role: this.role,
      modality: project.modality === 'text' ? 'text' : 'tabular',
      columns: this.columns.map((c) => ({
        name: c.name,
        type: c.name === this.textColumn ? 'text' : c.type,
        role: c.role,
      })),
      idColumn: col('id'),
      targetColumn: col('target'),
      timeColumn: col('time'),
      textColumn: project.modality === 'text' ? this.textColumn : undefined,
      skipRaggedRows: this.skipRaggedRows,
      labelMap,
      importLabels: col('target') ? this.importLabels : 0,
      format: preview.format,
      delimiter: preview.delimiter,
    };
  }

  async run(): Promise<ImportSummary | null> {
    if (!this.canImport) return null;
    const project = this.#project();
    const bridge = this.#bridge();
    this.#abort = new AbortController();
    const options = {
      signal: this.#abort.signal,
      onProgress: (p: ImportProgress) => {
        this.progress = p;
      },
    };
    this.status = 'importing';
    this.error = null;
    this.errorKind = null;
    this.result = null;
    this.progress = null;
    const common = { projectId: project.id, name: this.name.trim(), role: this.role };
    const labelMap = Object.fromEntries(Object.entries(this.labelMap).filter(([, id]) => id));
    let outcome;
    switch (this.kind) {
      case 'tabular':
        outcome = await bridge.importTabular(this.files[0]!.file, this.tabularPlan(), options);
        break;
      case 'images':
      case 'zip':
        outcome = await bridge.importImages(
          this.kind === 'zip' ? { zip: this.files[0]!.file } : this.files,
          {
            ...common,
            imageSize: project.imageSize,
            labelFromFolder: this.labelFromFolder,
            labelMap,
            importLabels: this.labelFromFolder ? this.importLabels : 0,
          },
          options,
        );
        break;
      default:
        outcome = await bridge.importTextFiles(this.files, common, options);
    }
    this.#abort = null;
    if (outcome.ok) {
      this.status = 'done';
      this.result = outcome.value;
      return outcome.value;
    }
    this.status = 'failed';
    this.error = describeImportError(outcome.error);
    this.errorKind = outcome.error.kind;
    return null;
  }

  cancel(): void {
    this.#abort?.abort();
  }

  reset(): void {
    this.cancel();
    this.files = [];
    this.preview = null;
    this.columns = [];
    this.name = '';
    this.status = 'idle';
    this.result = null;
    this.error = null;
    this.progress = null;
  }

  #applyPreview(preview: TabularPreview): void {
    this.preview = preview;
    const project = this.#project();
    const target = guessTarget(
      preview.inferred,
      project.targetColumn,
      project.classes.map((c) => c.name),
    );
    const id = guessId(preview.inferred);
    this.columns = preview.inferred.map((c) => ({
      name: c.name,
      type: c.type,
      inferredType: c.type,
      reason: c.reason,
      examples: c.examples,
      role: c.name === target ? 'target' : c.name === id ? 'id' : 'feature',
    }));
    this.textColumn =
      project.modality === 'text' ? guessTextColumn(preview.inferred, [target, id]) : '';
    this.#defaultLabelMap();
  }

  /** Maps each target value to the class of the same name (ignoring case), else to nothing. */
  #defaultLabelMap(): void {
    this.labelMap = matchClasses(this.targetValues, this.#project().classes);
  }

  /**
   * Class names map to themselves (that covers folders inside a zip, whose names are not known
   * before the import); folders seen in the picked paths are matched ignoring case.
   */
  #defaultFolderMap(): void {
    const classes = this.#project().classes;
    const self = Object.fromEntries(classes.map((c) => [c.name, c.id]));
    this.labelMap = matchClasses(this.folderNames, classes, self);
  }
}

function defaultSourceName(files: readonly PathedFile[]): string {
  if (files.length === 1) return files[0]!.file.name;
  const top = files[0]!.path.split('/');
  if (top.length > 1 && files.every((f) => f.path.startsWith(`${top[0]}/`))) return top[0]!;
  return `${files.length} files`;
}
