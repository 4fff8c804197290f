// Display formatting shared by the data UI (sizes, counts, durations, dates).

const count = new Intl.NumberFormat(undefined);
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const stat = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
const date = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export const formatCount = (n: number): string => count.format(n);
export const formatPct = (pct: number): string => `${decimal.format(pct)}%`;
export const formatStat = (n: number): string => (Number.isFinite(n) ? stat.format(n) : String(n));
export const formatDate = (ms: number): string => date.format(ms);

// Datetime columns are stored as epoch ms read as UTC (values.ts parseDatetime), so their
// statistics are shown in UTC too: the same file reads the same on every machine.
const utcDate = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
  timeZone: 'UTC',
});

/** A datetime column's value (epoch ms, UTC) as a date. */
export const formatColumnDate = (ms: number): string =>
  Number.isFinite(ms) ? `${utcDate.format(ms)} UTC` : String(ms);

/** A span of time in words (a datetime column's standard deviation). */
export function formatSpan(ms: number): string {
  const seconds = Math.abs(ms) / 1000;
  if (seconds < 90) return `${decimal.format(seconds)} s`;
  if (seconds < 5400) return `${decimal.format(seconds / 60)} min`;
  if (seconds < 172_800) return `${decimal.format(seconds / 3600)} h`;
  return `${decimal.format(seconds / 86_400)} days`;
}

/** Decimal units, as storage sizes are usually shown to users. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

export function formatDuration(seconds: number): string {
  if (seconds < 1) return 'a second';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${decimal.format(seconds / 3600)} h`;
}
