// Every schema step, oldest first. A schema change appends a step here; it never edits one.
import type { SchemaStep } from './types';
import { v1Initial } from './v1-initial';

export type { SchemaStep };

export const schemaSteps: readonly SchemaStep[] = [v1Initial];
