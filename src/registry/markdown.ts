// A tiny Markdown reader for the model cards this app generates (src/registry/model-card.ts):
// headings, paragraphs, `- ` lists, pipe tables, and inline **strong**, `code` spans, backslash
// escapes and the entities the card writes. It returns plain data that a component renders as
// text nodes — never HTML — so nothing in a card (user-typed names, notes) can inject markup.
// Anything it does not understand is shown as the literal text.

export type Inline =
  | { kind: 'text'; text: string }
  | { kind: 'strong'; children: Inline[] }
  | { kind: 'code'; text: string };

export type Block =
  | { kind: 'heading'; level: number; content: Inline[] }
  | { kind: 'paragraph'; content: Inline[] }
  | { kind: 'list'; items: Inline[][] }
  | { kind: 'table'; header: Inline[][]; rows: Inline[][][] };

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const PUNCTUATION = /[!-/:-@[-`{-~]/;

/** Inline content of one line (or of lines joined by newlines). */
export function parseInline(source: string): Inline[] {
  const root: Inline[] = [];
  const stack: Inline[][] = [root];
  let text = '';
  const flush = () => {
    if (text) stack[stack.length - 1]!.push({ kind: 'text', text });
    text = '';
  };
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '\\' && i + 1 < source.length && PUNCTUATION.test(source[i + 1]!)) {
      text += source[i + 1];
      i += 2;
    } else if (ch === '`') {
      let run = 0;
      while (source[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      const end = findFence(source, i + run, fence);
      if (end < 0) {
        text += fence;
        i += run;
        continue;
      }
      flush();
      let code = source.slice(i + run, end).replace(/\n/g, ' ');
      if (code.length > 1 && code.startsWith(' ') && code.endsWith(' ') && code.trim()) {
        code = code.slice(1, -1);
      }
      stack[stack.length - 1]!.push({ kind: 'code', text: code });
      i = end + run;
    } else if (ch === '*' && source[i + 1] === '*') {
      flush();
      if (stack.length > 1) {
        const children = stack.pop()!;
        stack[stack.length - 1]!.push({ kind: 'strong', children });
      } else {
        stack.push([]);
      }
      i += 2;
    } else if (ch === '&') {
      const m = /^&(amp|lt|gt|quot|#39);/.exec(source.slice(i));
      if (m) {
        text += ENTITIES[m[1]!];
        i += m[0].length;
      } else {
        text += ch;
        i++;
      }
    } else {
      text += ch;
      i++;
    }
  }
  flush();
  // An unclosed ** is literal text.
  while (stack.length > 1) {
    const open = stack.pop()!;
    const parent = stack[stack.length - 1]!;
    parent.push({ kind: 'text', text: '**' }, ...open);
  }
  return mergeText(root);
}

/** Index of the closing code fence (a backtick run of exactly `fence`'s length), or -1. */
function findFence(source: string, from: number, fence: string): number {
  let at = source.indexOf(fence, from);
  while (at >= 0) {
    const before = source[at - 1] === '`';
    const after = source[at + fence.length] === '`';
    if (!before && !after) return at;
    let next = at;
    while (source[next] === '`') next++;
    at = source.indexOf(fence, next);
  }
  return -1;
}

function mergeText(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const n of nodes) {
    const last = out[out.length - 1];
    if (n.kind === 'text' && last?.kind === 'text') last.text += n.text;
    else if (n.kind === 'strong') out.push({ kind: 'strong', children: mergeText(n.children) });
    else out.push(n.kind === 'text' ? { ...n } : n);
  }
  return out;
}

/** Splits a table row on pipes that are neither escaped nor inside a code span. */
export function splitRow(line: string): string[] {
  let body = line.trim();
  if (body.startsWith('|')) body = body.slice(1);
  if (body.endsWith('|') && !body.endsWith('\\|')) body = body.slice(0, -1);
  const cells: string[] = [];
  let cell = '';
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch === '\\' && i + 1 < body.length) {
      cell += ch + body[i + 1];
      i += 2;
    } else if (ch === '`') {
      let run = 0;
      while (body[i + run] === '`') run++;
      const fence = '`'.repeat(run);
      const end = findFence(body, i + run, fence);
      const stop = end < 0 ? i + run : end + run;
      cell += body.slice(i, stop);
      i = stop;
    } else if (ch === '|') {
      cells.push(cell.trim());
      cell = '';
      i++;
    } else {
      cell += ch;
      i++;
    }
  }
  cells.push(cell.trim());
  return cells;
}

const isTableLine = (line: string): boolean => line.trim().startsWith('|');
const isDelimiterRow = (line: string): boolean =>
  /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(line.trim());

/** The blocks of a Markdown document. */
export function parseMarkdown(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      blocks.push({
        kind: 'heading',
        level: heading[1]!.length,
        content: parseInline(heading[2]!.trim()),
      });
      i++;
      continue;
    }
    if (isTableLine(line) && i + 1 < lines.length && isDelimiterRow(lines[i + 1]!)) {
      const header = splitRow(line).map(parseInline);
      const rows: Inline[][][] = [];
      i += 2;
      while (i < lines.length && isTableLine(lines[i]!)) {
        rows.push(splitRow(lines[i]!).map(parseInline));
        i++;
      }
      blocks.push({ kind: 'table', header, rows });
      continue;
    }
    if (/^[-*]\s+/.test(line)) {
      const items: Inline[][] = [];
      while (i < lines.length && /^[-*]\s+/.test(lines[i]!)) {
        items.push(parseInline(lines[i]!.replace(/^[-*]\s+/, '')));
        i++;
      }
      blocks.push({ kind: 'list', items });
      continue;
    }
    // The first line always belongs to the paragraph (a lone `|` line is text, not a table).
    const paragraph: string[] = [line.replace(/ {2,}$/, '')];
    i++;
    while (
      i < lines.length &&
      lines[i]!.trim() !== '' &&
      !/^#{1,6}\s/.test(lines[i]!) &&
      !/^[-*]\s+/.test(lines[i]!) &&
      !isTableLine(lines[i]!)
    ) {
      paragraph.push(lines[i]!.replace(/ {2,}$/, ''));
      i++;
    }
    blocks.push({ kind: 'paragraph', content: parseInline(paragraph.join('\n')) });
  }
  return blocks;
}
