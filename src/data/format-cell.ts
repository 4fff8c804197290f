import type { ChunkColumn } from '../persistence/schema';

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 4 });

/** A chunk cell as display text; '' for a missing value. */
export function formatCell(
  column: ChunkColumn | undefined,
  i: number,
  schemaVocab?: string[],
): string {
  if (!column) return '';
  switch (column.kind) {
    case 'f32':
      return column.missing[i] ? '' : numberFormat.format(column.values[i]!);
    case 'f64':
      return column.missing[i] ? '' : dateFormat.format(column.values[i]);
    case 'i32': {
      const code = column.codes[i]!;
      if (code < 0) return '';
      return (column.vocab ?? schemaVocab)?.[code] ?? String(code);
    }
    case 'str':
      return column.values[i] ?? '';
  }
}
