/** The user's journey, in order. Each section names what lives there, for nav and empty states. */
export type SectionId =
  'projects' | 'data' | 'label' | 'train' | 'models' | 'serve' | 'monitor' | 'automate' | 'share';

export interface Section {
  id: SectionId;
  label: string;
  /** Alt+key jumps here. */
  key: string;
  summary: string;
  /** Said in the empty state while the section is not built yet. */
  planned: readonly string[];
  needsProject: boolean;
}

export const SECTIONS: readonly Section[] = [
  {
    id: 'projects',
    label: 'Projects',
    key: '1',
    summary: 'Create and switch projects: the data type and the label classes.',
    planned: [],
    needsProject: false,
  },
  {
    id: 'data',
    label: 'Data',
    key: '2',
    summary: 'Import CSV, JSON Lines, images and texts as pool or production sources.',
    planned: [
      'Streaming import of CSV/TSV/JSON Lines, image folders and zips, text files',
      'Schema inference you can override, with a data-quality report',
      'Deterministic train/validation/test splits and a frozen holdout',
    ],
    needsProject: true,
  },
  {
    id: 'label',
    label: 'Label',
    key: '3',
    summary: 'Keyboard-first labeling, with active learning choosing what to show next.',
    planned: [
      'One item at a time (or a grid for images), a hotkey per class, undo, skip, flag',
      'Active-learning queues: uncertainty, BALD, core-set, BADGE, diversity cold start',
      'A review queue of likely label mistakes, with suggested corrections',
    ],
    needsProject: true,
  },
  {
    id: 'train',
    label: 'Train',
    key: '4',
    summary: 'Train in a worker on WebGPU, with live curves, early stopping and cancel.',
    planned: [
      'Tabular MLP, image CNN and text models with presets',
      'Live loss and metric charts, confusion matrix, calibration',
      'Recorded, reproducible runs: config, seed, backend and data digests',
    ],
    needsProject: true,
  },
  {
    id: 'models',
    label: 'Models',
    key: '5',
    summary: 'Model versions with lineage, and the champion/challenger gate.',
    planned: [
      'A registry of versions with tags, notes, aliases and rollback',
      'Lineage: which data, labels, config and parent produced each model',
      'A promotion gate on the frozen holdout with a statistical test',
    ],
    needsProject: true,
  },
  {
    id: 'serve',
    label: 'Serve',
    key: '6',
    summary: 'Score items with the champion, in the page.',
    planned: [
      '“Try it” on a single item',
      'Batch scoring of a production source and time-ordered stream replay',
      'Every prediction logged for monitoring',
    ],
    needsProject: true,
  },
  {
    id: 'monitor',
    label: 'Monitor',
    key: '7',
    summary: 'Data, prediction and concept drift, outliers and alerts over time.',
    planned: [
      'Per-feature drift tests and an ensemble state: ok, warning, drift',
      'Concept drift from delayed labels (DDM, ADWIN, Page-Hinkley)',
      'Outliers and drifted regions sent to the labeling queue',
    ],
    needsProject: true,
  },
  {
    id: 'automate',
    label: 'Automate',
    key: '8',
    summary: 'Retraining policies and pipeline runs.',
    planned: [
      'Triggers: schedule, new labels, drift alarm, performance drop',
      'Pipelines: snapshot, train a challenger, gate, promote or keep',
      'Continual fine-tuning with replay and EWC/MAS so models do not forget',
    ],
    needsProject: true,
  },
  {
    id: 'share',
    label: 'Share',
    key: '9',
    summary: 'Export and import workspaces; merge annotators’ sessions.',
    planned: [
      'One .inloop file with data, labels, runs and models',
      'Annotation sessions merged with agreement statistics and a conflict view',
      'Standard exports: CSV, JSON Lines, Label Studio, MLflow, TF.js layers',
    ],
    needsProject: false,
  },
];

export function sectionById(id: string): Section | undefined {
  return SECTIONS.find((s) => s.id === id);
}
