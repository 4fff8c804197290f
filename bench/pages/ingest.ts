// The in-browser half of the `ingest` suite (bench/suites/ingest.mjs): data generated in the page
// (never on disk), imported through the real IngestBridge and worker into a fresh database, while
// the page watches its own main thread (PerformanceObserver 'longtask') and JS heap.
import { IngestBridge } from '../../src/data/ingest-bridge';
import type { ImportSummary, TabularImportPlan } from '../../src/data/import-types';
import { describeImportError } from '../../src/data/import-errors';

export interface IngestFigures {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  mibPerSecond: number;
  /** Longest main-thread task during the import (0 when none reached the 50 ms long-task bar). */
  longestTaskMs: number;
  longTasks: number;
  /** Page heap (performance.memory), sampled every 50 ms; the worker's heap is not included. */
  peakPageHeapMiB: number | null;
  phases: Record<string, number>;
  chunks?: number;
}

const CATEGORIES = ['red', 'green', 'blue', 'cyan', 'magenta', 'yellow', 'black', 'white'];

/** `rows` × 20 columns: 12 floats, 4 integers, 4 categoricals, deterministic (mulberry32). */
function generateCsv(rows: number): Blob {
  let a = 12345;
  const rand = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const header = [
    ...Array.from({ length: 12 }, (_, i) => `f${i}`),
    ...Array.from({ length: 4 }, (_, i) => `n${i}`),
    ...Array.from({ length: 4 }, (_, i) => `c${i}`),
  ].join(',');
  const parts: string[] = [`${header}\n`];
  const block: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let i = 0; i < 12; i++) cells.push((rand() * 1000 - 500).toFixed(3));
    for (let i = 0; i < 4; i++) cells.push(String(Math.floor(rand() * 100)));
    for (let i = 0; i < 4; i++) cells.push(CATEGORIES[Math.floor(rand() * CATEGORIES.length)]!);
    block.push(cells.join(','));
    if (block.length === 10_000) {
      parts.push(`${block.join('\n')}\n`);
      block.length = 0;
    }
  }
  if (block.length) parts.push(`${block.join('\n')}\n`);
  return new Blob(parts, { type: 'text/csv' });
}

function csvPlan(): TabularImportPlan {
  return {
    projectId: 'bench',
    name: 'bench.csv',
    role: 'pool',
    modality: 'tabular',
    columns: [
      ...Array.from({ length: 12 }, (_, i) => ({
        name: `f${i}`,
        type: 'numeric' as const,
        role: 'feature' as const,
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        name: `n${i}`,
        type: 'integer' as const,
        role: 'feature' as const,
      })),
      ...Array.from({ length: 4 }, (_, i) => ({
        name: `c${i}`,
        type: 'categorical' as const,
        role: 'feature' as const,
      })),
    ],
    skipRaggedRows: false,
    importLabels: 1,
  };
}

function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = request.onerror = request.onblocked = () => resolve();
  });
}

interface MemoryPerformance extends Performance {
  memory?: { usedJSHeapSize: number };
}

/** Runs `work` while recording long tasks, page heap and the time spent in each phase. */
async function measured(
  work: (onPhase: (phase: string) => void) => Promise<ImportSummary>,
): Promise<{
  summary: ImportSummary;
  figures: Omit<IngestFigures, 'rows' | 'bytes' | 'rowsPerSecond' | 'mibPerSecond'>;
}> {
  let longestTaskMs = 0;
  let longTasks = 0;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      longTasks++;
      longestTaskMs = Math.max(longestTaskMs, entry.duration);
    }
  });
  observer.observe({ type: 'longtask', buffered: false });
  const memory = (performance as MemoryPerformance).memory;
  let peak = memory?.usedJSHeapSize ?? 0;
  const sampler = setInterval(() => {
    if (memory) peak = Math.max(peak, memory.usedJSHeapSize);
  }, 50);
  const phases: Record<string, number> = {};
  let phase = 'start';
  let phaseStart = performance.now();
  const onPhase = (next: string) => {
    if (next === phase) return;
    const now = performance.now();
    phases[phase] = (phases[phase] ?? 0) + (now - phaseStart) / 1000;
    phase = next;
    phaseStart = now;
  };
  const started = performance.now();
  try {
    const summary = await work(onPhase);
    onPhase('done');
    // Long-task entries are delivered asynchronously; give the observer a moment.
    await new Promise((r) => setTimeout(r, 100));
    return {
      summary,
      figures: {
        seconds: (performance.now() - started) / 1000,
        longestTaskMs,
        longTasks,
        peakPageHeapMiB: memory ? peak / 2 ** 20 : null,
        phases,
      },
    };
  } finally {
    observer.disconnect();
    clearInterval(sampler);
  }
}

async function tinyPngs(count: number): Promise<File[]> {
  const canvas = new OffscreenCanvas(28, 28);
  const ctx = canvas.getContext('2d')!;
  const files: File[] = [];
  for (let i = 0; i < count; i++) {
    ctx.fillStyle = 'black';
    ctx.fillRect(0, 0, 28, 28);
    ctx.fillStyle = 'white';
    ctx.font = '20px sans-serif';
    ctx.fillText(String(i % 10), 8 + (i % 5), 22 - (i % 3));
    const blob = await canvas.convertToBlob({ type: 'image/png' });
    const file = new File([blob], `${i}.png`, { type: 'image/png' });
    Object.defineProperty(file, 'webkitRelativePath', { value: `digits/${i % 10}/${i}.png` });
    files.push(file);
  }
  return files;
}

export const ingestBench = {
  async ingestCsv(rows: number): Promise<IngestFigures> {
    const file = new File([generateCsv(rows)], 'bench.csv', { type: 'text/csv' });
    const dbName = `inloop-bench-${crypto.randomUUID()}`;
    const bridge = new IngestBridge({ dbName });
    try {
      const { summary, figures } = await measured(async (onPhase) => {
        const result = await bridge.importTabular(file, csvPlan(), {
          onProgress: (p) => onPhase(p.phase),
        });
        if (!result.ok) throw new Error(describeImportError(result.error));
        return result.value;
      });
      const mib = file.size / 2 ** 20;
      console.log(`[bench] ${rows} rows, ${mib.toFixed(1)} MiB in ${figures.seconds.toFixed(2)} s`);
      return {
        rows: summary.source.rowCount,
        bytes: file.size,
        rowsPerSecond: summary.source.rowCount / figures.seconds,
        mibPerSecond: mib / figures.seconds,
        ...figures,
      };
    } finally {
      bridge.dispose();
      await deleteDatabase(dbName);
    }
  },

  async ingestImages(count: number): Promise<IngestFigures> {
    const files = await tinyPngs(count);
    const bytes = files.reduce((s, f) => s + f.size, 0);
    const dbName = `inloop-bench-${crypto.randomUUID()}`;
    const bridge = new IngestBridge({ dbName });
    try {
      const { summary, figures } = await measured(async (onPhase) => {
        const result = await bridge.importImages(
          files,
          {
            projectId: 'bench',
            name: 'digits',
            role: 'pool',
            imageSize: 28,
            labelFromFolder: true,
            importLabels: 1,
          },
          { onProgress: (p) => onPhase(p.phase) },
        );
        if (!result.ok) throw new Error(describeImportError(result.error));
        return result.value;
      });
      console.log(`[bench] ${count} images in ${figures.seconds.toFixed(2)} s`);
      return {
        rows: summary.source.rowCount,
        bytes,
        rowsPerSecond: summary.source.rowCount / figures.seconds,
        mibPerSecond: bytes / 2 ** 20 / figures.seconds,
        ...figures,
      };
    } finally {
      bridge.dispose();
      await deleteDatabase(dbName);
    }
  },
};
