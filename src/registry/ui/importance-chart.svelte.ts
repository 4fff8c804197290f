// The permutation-importance bar chart of a version (`<canvas {@attach importanceChart(() => r)}>`):
// one horizontal bar per input column, its mean drop in accuracy, most important on top. Created
// when the canvas mounts, updated in place, destroyed with it; colours come from the CSS design
// tokens and are re-read when the theme changes (as src/training/ui/curve-chart.svelte.ts does).
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import type { Attachment } from 'svelte/attachments';
import type { FeatureImportanceResult } from '../../training/train-types';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function applyData(chart: Chart<'bar'>, result: FeatureImportanceResult): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  chart.data.labels = result.features.map((f) => f.name);
  chart.data.datasets = [
    {
      label: 'Mean drop in accuracy',
      data: result.features.map((f) => f.accuracyDrop.mean),
      backgroundColor: cssVar('--accent'),
    },
  ];
  const scales = chart.options.scales!;
  for (const axis of [scales.x!, scales.y!]) {
    axis.ticks = { ...axis.ticks, color: text };
    axis.grid = { ...axis.grid, color: grid };
  }
  scales.x!.title = { display: true, text: 'Drop in accuracy when shuffled', color: text };
  chart.update('none');
}

export function importanceChart(
  data: () => FeatureImportanceResult,
): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const chart = new Chart<'bar'>(canvas, {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { x: { type: 'linear' }, y: { type: 'category' } },
        plugins: {
          tooltip: {
            callbacks: {
              // The std is what tells a real drop from shuffle noise: show it with the mean.
              label: (item) => {
                const f = data().features[item.dataIndex];
                return f
                  ? `accuracy −${f.accuracyDrop.mean.toFixed(3)} ± ${f.accuracyDrop.std.toFixed(3)}, ` +
                      `log loss +${f.logLossIncrease.mean.toFixed(3)} ± ${f.logLossIncrease.std.toFixed(3)}`
                  : '';
              },
            },
          },
        },
      },
    });
    $effect(() => applyData(chart, data()));
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
