// Chart.js charts of the Monitor page, as Svelte attachments: a time series per signal with its
// threshold as a dashed line and the ensemble state of each window as a coloured band along the
// bottom; and reference-vs-current bars for one feature. Updated in place without animation (a
// replay adds a point per window); colours from the CSS tokens, re-read on theme changes.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type Plugin,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import type { DriftState } from '../types';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  BarController,
  BarElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

// Text stays at Chart.js's default 12 px (Chart.defaults.font.size): readable on a phone (at least
// 11 px, issue 20), whatever the canvas width; the x axis drops ticks that do not fit (autoSkip)
// instead of rotating them.

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

const STATE_VAR: Record<DriftState, string> = { ok: '--ok', warning: '--warn', drift: '--danger' };

export interface SignalSeries {
  /** Window labels (1-based window numbers). */
  x: string[];
  values: (number | null)[];
  label: string;
  yLabel: string;
  threshold: number | null;
  thresholdLabel?: string;
  states: DriftState[];
  /** Index of the selected window (highlighted point). */
  selected: number | null;
  yMax?: number;
}

/** Draws the per-window ensemble state as a band of coloured cells under the plot area. */
const stateBand: Plugin<'line'> = {
  id: 'inloopStateBand',
  afterDatasetsDraw(chart) {
    const states = (chart.options.plugins as { inloopStateBand?: { states: DriftState[] } })
      .inloopStateBand?.states;
    if (!states || states.length === 0) return;
    const { ctx, chartArea } = chart;
    const x = chart.scales.x!;
    const n = states.length;
    const width = n > 1 ? Math.abs(x.getPixelForValue(1) - x.getPixelForValue(0)) : chartArea.width;
    ctx.save();
    ctx.globalAlpha = 0.85;
    states.forEach((s, i) => {
      const cx = x.getPixelForValue(i);
      ctx.fillStyle = cssVar(STATE_VAR[s]);
      ctx.fillRect(cx - width / 2, chartArea.bottom - 6, width, 6);
    });
    ctx.restore();
  },
};

function applySeries(chart: Chart<'line'>, s: SignalSeries): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  chart.data.labels = s.x;
  const pointColors = s.states.map((st) => cssVar(STATE_VAR[st]));
  chart.data.datasets = [
    {
      label: s.label,
      data: s.values,
      borderColor: cssVar('--accent'),
      backgroundColor: pointColors,
      pointBackgroundColor: pointColors,
      pointRadius: s.values.map((_, i) => (i === s.selected ? 5 : s.x.length > 60 ? 1 : 3)),
      borderWidth: 2,
      tension: 0,
      spanGaps: true,
    },
    ...(s.threshold === null
      ? []
      : [
          {
            label: s.thresholdLabel ?? 'threshold',
            data: s.x.map(() => s.threshold),
            borderColor: cssVar('--danger'),
            backgroundColor: cssVar('--danger'),
            borderDash: [5, 4],
            pointRadius: 0,
            borderWidth: 1.5,
          },
        ]),
  ];
  const scales = chart.options.scales!;
  for (const axis of [scales.x!, scales.y!]) {
    // The x axis skips ticks instead of rotating them on a narrow canvas (phones). Set in this one
    // spread: reading `ticks` back after assigning it yields Chart.js's resolver proxy, and
    // spreading that copies its internals ("Recursion detected: _scriptable->_scriptable").
    const x = axis === scales.x ? { maxRotation: 0, autoSkipPadding: 8 } : {};
    axis.ticks = { ...axis.ticks, color: text, ...x };
    axis.grid = { ...axis.grid, color: grid };
  }
  scales.y!.title = { display: true, text: s.yLabel, color: text };
  scales.x!.title = { display: true, text: 'Window', color: text };
  scales.y!.min = 0;
  if (s.yMax !== undefined) scales.y!.max = s.yMax;
  chart.options.plugins!.legend!.labels = { color: text, boxWidth: 14 };
  (chart.options.plugins as Record<string, unknown>).inloopStateBand = { states: s.states };
  chart.update('none');
}

function themed(redraw: () => void): () => void {
  const observer = new MutationObserver(redraw);
  observer.observe(document.documentElement, { attributes: true, attributeFilter: ['data-theme'] });
  const media = matchMedia('(prefers-color-scheme: dark)');
  media.addEventListener('change', redraw);
  return () => {
    observer.disconnect();
    media.removeEventListener('change', redraw);
  };
}

/** A signal's time series; `onPick(i)` when a window's point is clicked. */
export function signalChart(
  data: () => SignalSeries,
  onPick: (index: number) => void,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart<'line'>(canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      plugins: [stateBand],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { type: 'category' }, y: { type: 'linear' } },
        plugins: { legend: { position: 'bottom' } },
        onClick: (_event, elements) => {
          const first = elements[0];
          if (first) onPick(first.index);
        },
      },
    });
    $effect(() => applySeries(chart, data()));
    const stop = themed(() => applySeries(chart, data()));
    return () => {
      stop();
      chart.destroy();
    };
  };
}

export interface CompareBars {
  labels: string[];
  reference: number[];
  current: number[];
}

function applyBars(chart: Chart<'bar'>, b: CompareBars): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  chart.data.labels = b.labels;
  chart.data.datasets = [
    { label: 'Reference', data: b.reference, backgroundColor: cssVar('--text-3'), borderWidth: 0 },
    {
      label: 'Current window',
      data: b.current,
      backgroundColor: cssVar('--accent'),
      borderWidth: 0,
    },
  ];
  const scales = chart.options.scales!;
  for (const axis of [scales.x!, scales.y!]) {
    // The x axis skips ticks instead of rotating them on a narrow canvas (phones). Set in this one
    // spread: reading `ticks` back after assigning it yields Chart.js's resolver proxy, and
    // spreading that copies its internals ("Recursion detected: _scriptable->_scriptable").
    const x = axis === scales.x ? { maxRotation: 0, autoSkipPadding: 8 } : {};
    axis.ticks = { ...axis.ticks, color: text, ...x };
    axis.grid = { ...axis.grid, color: grid };
  }
  scales.y!.title = { display: true, text: 'Share of rows', color: text };
  chart.options.plugins!.legend!.labels = { color: text, boxWidth: 14 };
  chart.update('none');
}

/** Reference vs current shares per bin or category. */
export function compareChart(data: () => CompareBars): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart<'bar'>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { type: 'category' }, y: { type: 'linear', min: 0 } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    $effect(() => applyBars(chart, data()));
    const stop = themed(() => applyBars(chart, data()));
    return () => {
      stop();
      chart.destroy();
    };
  };
}
