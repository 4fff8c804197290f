// Class probabilities as a horizontal Chart.js bar chart, as a Svelte attachment
// (`<canvas {@attach probabilityChart(() => bars)}>`): created when the canvas mounts, updated in
// place when the bars change, destroyed with the canvas. Bars use the class colours; axis and grid
// colours come from the theme's CSS variables and follow theme switches.
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Attachment } from 'svelte/attachments';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface ProbabilityBars {
  labels: string[];
  values: number[];
  /** One CSS colour per bar (the class colour). */
  colors: string[];
}

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

function apply(chart: Chart<'bar'>, bars: ProbabilityBars): void {
  const text = cssVar('--text-2');
  const grid = cssVar('--border');
  chart.data.labels = bars.labels;
  chart.data.datasets = [
    {
      data: bars.values,
      backgroundColor: bars.colors.map((c) => c || cssVar('--accent')),
      borderWidth: 0,
      barPercentage: 0.8,
    },
  ];
  const scales = chart.options.scales!;
  for (const axis of [scales.x!, scales.y!]) {
    axis.ticks = { ...axis.ticks, color: text };
    axis.grid = { ...axis.grid, color: grid };
  }
  chart.update('none');
}

export function probabilityChart(bars: () => ProbabilityBars): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: { labels: [], datasets: [] },
      options: {
        indexAxis: 'y',
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          x: {
            min: 0,
            max: 1,
            ticks: { callback: (v) => `${Math.round(Number(v) * 100)}%` },
          },
          y: {},
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            displayColors: false,
            callbacks: { label: (item) => `${(Number(item.raw) * 100).toFixed(1)}%` },
          },
        },
      },
    };
    const chart = new Chart(canvas, config);
    $effect(() => apply(chart, bars()));
    const redraw = () => apply(chart, bars());
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
