// The import panel's state: which files were picked, what the preview found, the user's schema
// decisions, and the running import with its progress, result or error sentence. Components only
// render this and forward events. Nothing the user chose is lost on a failed import: the plan
// stays as it was, so they can fix the file or a choice and press Import again.
//
// A table is read twice before anything is written: the preview (first rows, shown at once) and
// the profile (the whole file, nothing written), which re-types columns the first rows misjudged
// and lists every target value with its count. A target value that matches no class must be
// decided — map it, create its class, skip its rows, or import them unlabelled — before Import.
import type { Project } from '../projects/types';
import type { ColumnRole, SourceRole } from '../persistence/schema';
import { describeImportError, type ImportError } from './import-errors';
import { CLASS_COLORS, MAX_CLASSES, suggestHotkey, type LabelClass } from '../projects';
import { CLASS_NAME_MAX } from '../projects/validate';
import {
  PROFILE_VALUES,
  type ImportProgress,
  type ImportSummary,
  type PathedFile,
  type TabularImportPlan,
  type TabularPreview,
  type TabularProfile,
} from './import-types';
import {
  classifyFiles,
  folderNamesOf,
  guessId,
  guessTarget,
  guessTextColumn,
  guessTime,
  matchClasses,
  wholeFileReason,
  type ImportKind,
  type LabelChoice,
  type TargetCandidate,
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

/** `profiling`: the preview is shown while the whole file is read (Import waits for it). */
export type ImportStatus =
  'idle' | 'previewing' | 'profiling' | 'ready' | 'importing' | 'done' | 'failed';

/** A target value of the file with how many rows carry it. */
export interface TargetValue {
  value: string;
  count: number;
}

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
  /** The whole file read once (null until it is, and for non-tabular imports). */
  profile = $state.raw<TabularProfile | null>(null);
  /** Progress of the whole-file read. */
  profileProgress = $state.raw<ImportProgress | null>(null);
  /** Folder name → class id, or '' for "no label" (image imports). */
  labelMap = $state<Record<string, string>>({});
  /** Target value (as in the file) → what its rows become; absent: not decided yet. */
  labelChoices = $state<Record<string, LabelChoice>>({});
  #importLabels = $state<number | null>(null);
  labelFromFolder = $state(true);

  progress = $state.raw<ImportProgress | null>(null);
  result = $state.raw<ImportSummary | null>(null);
  error = $state<string | null>(null);
  /** Kind of the last failure, to offer the fix that fits it (e.g. skipping ragged rows). */
  errorKind = $state<ImportError['kind'] | null>(null);

  #abort: AbortController | null = null;
  #profileAbort: AbortController | null = null;
  /** The user set a column's role: the whole-file profile then keeps their roles. */
  #rolesTouched = false;

  /**
   * Fraction of the mapped labels imported as annotations. A production source defaults to none:
   * its labels were not known before its predictions, so they stay a column and reach the monitor
   * as delayed labels (Monitor settings) unless the user asks to import them.
   */
  get importLabels(): number {
    return this.#importLabels ?? (this.role === 'production' ? 0 : 1);
  }

  set importLabels(value: number) {
    this.#importLabels = value;
  }

  constructor(project: () => Project, bridgeOf: () => IngestBridge = sharedIngestBridge) {
    this.#project = project;
    this.#bridge = bridgeOf;
  }

  readonly kind: ImportKind = $derived(classifyFiles(this.files));

  readonly targetColumn = $derived(this.columns.find((c) => c.role === 'target')?.name ?? '');

  /**
   * Every value of the target column in the whole file with its row count, most frequent first
   * (empty until the file is profiled: the first rows cannot tell which classes come later).
   */
  readonly targetValues: TargetValue[] = $derived.by(() => {
    const column = this.profile?.columns.find((c) => c.name === this.targetColumn);
    return column ? column.values : [];
  });

  /** The target column has too many distinct values to be classes. */
  readonly targetTooManyValues: boolean = $derived(
    this.profile?.columns.find((c) => c.name === this.targetColumn)?.valuesCapped ?? false,
  );

  /** Target values whose rows are not decided yet (they match no class of the project). */
  readonly undecidedValues: TargetValue[] = $derived(
    this.targetValues.filter((v) => !this.labelChoices[v.value]),
  );

  /** Target values that match no class of the project, decided or not. */
  readonly unmatchedValues: TargetValue[] = $derived.by(() => {
    const values = this.targetValues;
    const matched = matchClasses(
      values.map((v) => v.value),
      this.#project().classes,
    );
    return values.filter((v) => !matched[v.value]);
  });

  /** Why the label mapping keeps the import from starting, or null. */
  readonly labelProblem: string | null = $derived.by(() => {
    if (!this.targetColumn || !this.profile) return null;
    if (this.targetTooManyValues) {
      return `“${this.targetColumn}” has more than ${PROFILE_VALUES.toLocaleString('en')} distinct values: too many to be classes. Make it a feature (or ignore it), or choose another target column.`;
    }
    const newClasses = this.targetValues.filter(
      (v) => this.labelChoices[v.value]?.kind === 'new-class',
    ).length;
    const classes = this.#project().classes.length;
    if (classes + newClasses > MAX_CLASSES) {
      return `A project holds at most ${MAX_CLASSES} classes; it has ${classes}, and ${newClasses} more were chosen. Map some values to existing classes or skip their rows.`;
    }
    const n = this.undecidedValues.length;
    if (n === 0) return null;
    return `${n === 1 ? '1 value' : `${n} values`} of “${this.targetColumn}” ${n === 1 ? 'matches' : 'match'} no class: choose what becomes of ${n === 1 ? 'its' : 'their'} rows below.`;
  });

  /** Folder names of picked image files (the label candidates). */
  readonly folderNames: string[] = $derived(folderNamesOf(this.files));

  readonly raggedProblem = $derived(
    this.preview?.problems.find((p) => p.kind === 'ragged-rows') ?? null,
  );

  /** Ragged rows in the whole file (null until profiled). */
  readonly raggedRows: number | null = $derived(this.profile ? this.profile.raggedRows : null);

  /** Offer "skip ragged rows" when the preview or the profile saw some, or the import failed on them. */
  readonly offerSkipRagged = $derived(
    this.raggedProblem !== null ||
      (this.raggedRows ?? 0) > 0 ||
      this.errorKind === 'ragged-rows' ||
      this.skipRaggedRows,
  );

  readonly canImport = $derived.by(() => {
    if (this.status === 'importing' || this.status === 'previewing') return false;
    if (this.name.trim() === '') return false;
    switch (this.kind) {
      case 'tabular':
        return (
          this.preview !== null &&
          this.profile !== null &&
          this.labelProblem === null &&
          (this.#project().modality !== 'text' || this.textColumn !== '')
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
    this.#profileAbort?.abort();
    this.files = files;
    this.preview = null;
    this.profile = null;
    this.profileProgress = null;
    this.#rolesTouched = false;
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
    await this.#readProfile(files, preview.value);
  }

  /** Reads the whole file (nothing is written) and applies what it shows. */
  async #readProfile(files: PathedFile[], preview: TabularPreview): Promise<void> {
    this.status = 'profiling';
    const abort = new AbortController();
    this.#profileAbort = abort;
    const profile = await this.#bridge().profileTabular(files[0]!.file, {
      format: preview.format,
      delimiter: preview.delimiter,
      signal: abort.signal,
      onProgress: (p) => {
        if (this.files === files) this.profileProgress = p;
      },
    });
    if (this.#profileAbort === abort) this.#profileAbort = null;
    if (this.files !== files) return;
    if (!profile.ok) {
      this.status = 'failed';
      this.error = describeImportError(profile.error);
      this.errorKind = profile.error.kind;
      return;
    }
    this.#applyProfile(profile.value, preview);
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
    this.#rolesTouched = true;
    if (role === 'target') this.#defaultLabelChoices();
  }

  setLabelChoice(value: string, choice: LabelChoice | undefined): void {
    const next = { ...this.labelChoices };
    if (choice) next[value] = choice;
    else delete next[value];
    this.labelChoices = next;
  }

  /** Decides every value not decided yet (the panel's "for all the others" buttons). */
  decideUndecided(choice: LabelChoice): void {
    const next = { ...this.labelChoices };
    for (const v of this.undecidedValues) next[v.value] = choice;
    this.labelChoices = next;
  }

  /** Classes the plan adds: one per target value whose rows were chosen to make a new class. */
  #newClasses(): LabelClass[] {
    const project = this.#project();
    const hotkeys = project.classes.map((c) => c.hotkey);
    const made: LabelClass[] = [];
    for (const { value } of this.targetValues) {
      if (this.labelChoices[value]?.kind !== 'new-class') continue;
      const hotkey = suggestHotkey(hotkeys);
      hotkeys.push(hotkey);
      made.push({
        id: crypto.randomUUID(),
        name: value.slice(0, CLASS_NAME_MAX),
        hotkey,
        color: CLASS_COLORS[(project.classes.length + made.length) % CLASS_COLORS.length]!,
      });
    }
    return made;
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
    const newClasses = col('target') ? this.#newClasses() : [];
    const labelMap: Record<string, string> = {};
    const skipLabels: string[] = [];
    for (const [value, choice] of Object.entries(this.labelChoices)) {
      if (choice.kind === 'class') labelMap[value] = choice.classId;
      else if (choice.kind === 'skip') skipLabels.push(value);
      else if (choice.kind === 'new-class') {
        const made = newClasses.find((c) => c.name === value.slice(0, CLASS_NAME_MAX));
        if (made) labelMap[value] = made.id;
      }
    }
    const classNames = Object.fromEntries(
      [...project.classes, ...newClasses].map((c) => [c.id, c.name]),
    );
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
      ...(col('target') && skipLabels.length > 0 ? { skipLabels } : {}),
      ...(newClasses.length > 0 ? { newClasses } : {}),
      classNames,
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
            classNames: Object.fromEntries(project.classes.map((c) => [c.id, c.name])),
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
    this.#profileAbort?.abort();
    this.files = [];
    this.preview = null;
    this.profile = null;
    this.profileProgress = null;
    this.labelChoices = {};
    this.columns = [];
    this.name = '';
    this.status = 'idle';
    this.result = null;
    this.error = null;
    this.progress = null;
  }

  #applyPreview(preview: TabularPreview): void {
    this.preview = preview;
    this.columns = preview.inferred.map((c) => ({
      name: c.name,
      type: c.type,
      inferredType: c.type,
      reason: c.reason,
      examples: c.examples,
      role: 'feature',
    }));
    this.#defaultRoles(preview.inferred);
  }

  /**
   * Re-types every column from the whole file (unless the user already chose its type), guesses
   * the roles again from every value (unless the user set one), and decides the label mapping.
   */
  #applyProfile(profile: TabularProfile, preview: TabularPreview): void {
    this.profile = profile;
    const sampleRows = preview.sampleRows.length;
    const wholeFile = profile.rows > sampleRows;
    for (const c of this.columns) {
      const whole = profile.columns.find((p) => p.name === c.name);
      if (!whole) continue;
      const sample = preview.inferred.find((p) => p.name === c.name) ?? whole;
      if (c.type === c.inferredType) c.type = whole.type;
      c.inferredType = whole.type;
      c.reason = wholeFile ? wholeFileReason(sample, whole, sampleRows) : whole.reason;
      c.examples = whole.examples;
    }
    if (!this.#rolesTouched) this.#defaultRoles(profile.columns);
    else this.#defaultLabelChoices();
  }

  #defaultRoles(inferred: readonly TargetCandidate[]): void {
    const project = this.#project();
    const target = guessTarget(
      inferred,
      project.targetColumn,
      project.classes.map((c) => c.name),
    );
    const id = guessId(inferred.filter((c) => c.name !== target));
    const time = guessTime(inferred, [target, id]);
    for (const c of this.columns) {
      c.role =
        c.name === target ? 'target' : c.name === id ? 'id' : c.name === time ? 'time' : 'feature';
    }
    this.textColumn =
      project.modality === 'text' ? guessTextColumn(inferred, [target, id, time]) : '';
    this.#defaultLabelChoices();
  }

  /** Each target value → the class of the same name (ignoring case); others stay undecided. */
  #defaultLabelChoices(): void {
    const values = this.targetValues.map((v) => v.value);
    const matched = matchClasses(values, this.#project().classes);
    const choices: Record<string, LabelChoice> = {};
    for (const value of values) {
      const kept = this.labelChoices[value];
      const classId = matched[value];
      if (kept) choices[value] = kept;
      else if (classId) choices[value] = { kind: 'class', classId };
    }
    this.labelChoices = choices;
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
