// Small Chart.js bar charts for the quality report, as Svelte attachments (`{@attach}`): the chart
// is created when its canvas mounts and destroyed with it. Colours come from the theme's CSS
// variables and follow theme switches (the `data-theme` attribute on <html>).
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
import type { CategoryCount, Histogram } from '../quality-types';
import { formatStat } from './format';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

function cssVar(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || '#888';
}

export interface MiniBars {
  labels: string[];
  counts: number[];
  /** Says what one bar is, for the tooltip title ("12.5 – 15", "Biscoe"). */
  kind: 'histogram' | 'categories';
}

export function histogramBars(h: Histogram): MiniBars {
  return {
    labels: h.counts.map((_, i) => `${formatStat(h.edges[i]!)} – ${formatStat(h.edges[i + 1]!)}`),
    counts: h.counts,
    kind: 'histogram',
  };
}

export function categoryBars(top: CategoryCount[]): MiniBars {
  return { labels: top.map((c) => c.value), counts: top.map((c) => c.count), kind: 'categories' };
}

/** An attachment drawing `bars` into a canvas. */
export function miniChart(bars: MiniBars): Attachment<HTMLCanvasElement> {
  return (canvas) => {
    const config: ChartConfiguration<'bar'> = {
      type: 'bar',
      data: {
        labels: bars.labels,
        datasets: [
          {
            data: bars.counts,
            backgroundColor: cssVar('--accent'),
            hoverBackgroundColor: cssVar('--text'),
            borderWidth: 0,
            barPercentage: bars.kind === 'histogram' ? 1 : 0.8,
            categoryPercentage: bars.kind === 'histogram' ? 0.96 : 0.9,
          },
        ],
      },
      options: {
        responsive: false,
        animation: false,
        events: ['mousemove', 'mouseout'],
        layout: { padding: 0 },
        scales: {
          x: { display: false },
          y: { display: false, beginAtZero: true },
        },
        plugins: {
          legend: { display: false },
          tooltip: {
            displayColors: false,
            callbacks: { label: (item) => `${Number(item.raw).toLocaleString()} rows` },
          },
        },
      },
    };
    const chart = new Chart(canvas, config);
    const recolour = () => {
      const dataset = chart.data.datasets[0]!;
      dataset.backgroundColor = cssVar('--accent');
      dataset.hoverBackgroundColor = cssVar('--text');
      chart.update('none');
    };
    const observer = new MutationObserver(recolour);
    observer.observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['data-theme'],
    });
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  };
}
