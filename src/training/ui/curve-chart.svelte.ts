// A Chart.js line chart as a Svelte attachment (`<canvas {@attach curveChart(() => data)}>`): the
// chart is created when the canvas mounts, updated in place when the data changes (no animation:
// live curves grow one point per epoch) and destroyed with the canvas. Colours come from the CSS
// design tokens and are re-read when the theme changes, so light and dark both work.
import {
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';

Chart.register(
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  CategoryScale,
  Legend,
  Tooltip,
);

export interface CurveSeries {
  label: string;
  values: number[];
  /** A CSS custom property, e.g. `--accent`. */
  colorVar: string;
  dashed?: boolean;
}

export interface CurveData {
  /** X values (epochs, 1-based for people). */
  x: number[];
  series: CurveSeries[];
  yLabel: string;
}

// Text stays at Chart.js's default 12 px (Chart.defaults.font.size): readable on a phone (at least
// 11 px, issue 20), whatever the canvas width; the x axis drops ticks that do not fit (autoSkip)
// instead of rotating them.

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function applyData(chart: Chart<'line'>, data: CurveData): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  chart.data.labels = data.x;
  chart.data.datasets = data.series.map((s) => ({
    label: s.label,
    data: s.values.map((v) => (Number.isFinite(v) ? v : null)),
    borderColor: cssVar(s.colorVar),
    backgroundColor: cssVar(s.colorVar),
    borderDash: s.dashed ? [5, 4] : [],
    pointRadius: data.x.length > 40 ? 0 : 2,
    borderWidth: 2,
    tension: 0.2,
  }));
  const scales = chart.options.scales!;
  for (const axis of [scales.x!, scales.y!]) {
    // The x axis skips ticks instead of rotating them on a narrow canvas (phones). Set in this one
    // spread: reading `ticks` back after assigning it yields Chart.js's resolver proxy, and
    // spreading that copies its internals ("Recursion detected: _scriptable->_scriptable").
    const x = axis === scales.x ? { maxRotation: 0, autoSkipPadding: 8 } : {};
    axis.ticks = { ...axis.ticks, color: text, ...x };
    axis.grid = { ...axis.grid, color: grid };
  }
  scales.y!.title = { display: true, text: data.yLabel, color: text };
  scales.x!.title = { display: true, text: 'Epoch', color: text };
  chart.options.plugins!.legend!.labels = { color: text, boxWidth: 14 };
  chart.update('none');
}

export function curveChart(data: () => CurveData): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart(canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: { x: { type: 'category' }, y: { type: 'linear' } },
        plugins: { legend: { position: 'bottom' } },
      },
    });
    $effect(() => applyData(chart, data()));
    // The theme is a data attribute on <html> (or the OS preference): re-colour on either.
    const redraw = () => applyData(chart, data());
    const observer = new MutationObserver(redraw);
    observer.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    const media = matchMedia('(prefers-color-scheme: dark)');
    media.addEventListener('change', redraw);
    return () => {
      observer.disconnect();
      media.removeEventListener('change', redraw);
      chart.destroy();
    };
  };
}
