export type { Project, LabelClass, Modality } from './types';
export { MODALITIES } from './types';
export {
  validateProjectDraft,
  validateProjectName,
  RESERVED_HOTKEYS,
  MIN_CLASSES,
  MAX_CLASSES,
  PROJECT_NAME_MAX,
  type ProjectDraft,
  type ProjectDraftError,
} from './validate';
export { describeProjectDraftError } from './messages';
export { suggestHotkey, buildClasses, CLASS_COLORS, DEFAULT_IMAGE_SIZE } from './defaults';
