// Registry audit events (`events` rows of kind `registry.*`, written by registryRepo) as sentences
// for the Models page's audit log. Pure.
import type { EventRecord } from '../persistence/schema';

const num = (x: unknown): string => (typeof x === 'number' ? String(x) : '?');
const text = (x: unknown): string => (typeof x === 'string' ? x : '');

/** One sentence per event: what happened to which version. */
export function describeRegistryEvent(event: Pick<EventRecord, 'kind' | 'detail'>): string {
  const d = event.detail;
  const v = `version ${num(d.version)}`;
  switch (event.kind) {
    case 'registry.register':
      return `Registered ${v} from run ${text(d.runId)}.`;
    case 'registry.alias':
      if (d.removed === true) return `Removed alias “${text(d.alias)}” from ${v}.`;
      return d.fromVersion !== null && d.fromVersion !== undefined
        ? `Moved alias “${text(d.alias)}” from version ${num(d.fromVersion)} to ${v}.`
        : `Gave alias “${text(d.alias)}” to ${v}.`;
    case 'registry.promote':
      return d.fromVersion !== null && d.fromVersion !== undefined
        ? `Promoted ${v} to champion through the gate (was version ${num(d.fromVersion)}).`
        : `Promoted ${v} to champion (first champion).`;
    case 'registry.override':
      return `Promoted ${v} to champion past a failed gate (override). Reason: ${text(d.reason)}`;
    case 'registry.rollback':
      return `Rolled the champion back from version ${num(d.fromVersion)} to ${v}.${
        text(d.reason) ? ` Reason: ${text(d.reason)}` : ''
      }`;
    case 'registry.archive':
      return `Archived ${v}.`;
    case 'registry.edit':
      return `Edited the tags or notes of ${v}.`;
    case 'registry.delete':
      return `Deleted ${v}.`;
    default:
      return `${event.kind} on ${v}.`;
  }
}
