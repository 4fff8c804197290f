// Chart.js charts of the Progress tab as Svelte attachments: labels per class (bars in each
// class's colour) and the learning curve (validation macro-F1 against labels, one point per run).
// Colours come from the CSS design tokens so light and dark themes both read well.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

interface AxisLike {
  ticks?: object;
  grid?: object;
  title?: object;
}

function axes(scales: { x?: AxisLike; y?: AxisLike } | undefined, x: string, y: string): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  for (const [axis, title] of [
    [scales?.x, x],
    [scales?.y, y],
  ] as const) {
    if (!axis) continue;
    axis.ticks = { ...axis.ticks, color: text };
    axis.grid = { ...axis.grid, color: grid };
    axis.title = { display: true, text: title, color: text };
  }
}

export interface ClassBars {
  labels: string[];
  counts: number[];
  colors: string[];
}

export function classBarChart(data: () => ClassBars): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart<'bar', number[], string>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: {}, y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
    $effect(() => {
      const d = data();
      chart.data.labels = d.labels;
      chart.data.datasets = [{ data: d.counts, backgroundColor: d.colors, label: 'Labels' }];
      axes(chart.options.scales, 'Class', 'Labels');
      chart.update('none');
    });
    return () => chart.destroy();
  };
}

export interface CurvePoints {
  points: { x: number; y: number }[];
}

export function learningCurveChart(data: () => CurvePoints): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { type: 'linear', beginAtZero: true }, y: { min: 0, max: 1 } },
      },
    });
    $effect(() => {
      const d = data();
      const accent = cssVar('--accent');
      chart.data.datasets = [
        {
          label: 'Validation macro-F1',
          data: d.points,
          borderColor: accent,
          backgroundColor: accent,
          pointRadius: 3,
          borderWidth: 2,
          tension: 0,
        },
      ];
      axes(chart.options.scales, 'Labels', 'Validation macro-F1');
      chart.update('none');
    });
    return () => chart.destroy();
  };
}
