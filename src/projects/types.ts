export type Modality = 'tabular' | 'image' | 'text';

export const MODALITIES: readonly Modality[] = ['tabular', 'image', 'text'];

export interface LabelClass {
  /** Stable id: renaming a class keeps its annotations. */
  id: string;
  name: string;
  /** One key (digit or letter) that assigns this class in the labeling panel. */
  hotkey: string;
  /** CSS colour used for this class in charts and chips. */
  color: string;
}

export interface Project {
  id: string;
  name: string;
  modality: Modality;
  classes: LabelClass[];
  /** Column that already carries labels in imported tabular/text data, if any. */
  targetColumn: string | null;
  /** Square input size images are resized to once at import (image projects). */
  imageSize: number;
  /** Seeds splits, shuffling and weight initialisation: the same seed gives the same splits. */
  seed: number;
  createdAt: number;
  updatedAt: number;
}
