// A live time-series chart (uPlot on a canvas) with a text alternative: a caption with
// the newest values and a table of recent points, for screen readers and for anyone who
// wants the numbers. The chart is created once and fed new data in place, so it updates
// every poll without flicker; it follows the container's width and the colour scheme.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatTime } from '../format.ts';
import type { Series } from '../series.ts';

export interface ChartLine {
  key: string;
  label: string;
  /** CSS custom property holding its colour, e.g. --chart-1. */
  color: string;
}

interface Props {
  title: string;
  series: Series;
  lines: ChartLine[];
  /** Formats a value for the axis, the caption and the table. */
  format: (v: number) => string;
  /** Bumped by the page after every sample, to redraw. */
  version: number;
  /** The values are whole numbers (records, lag): ticks at whole steps. */
  integer?: boolean;
  height?: number;
}

/** Steps for axes of whole numbers (records, lag). */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 1e6, 1e7, 1e8, 1e9];

/** Sets the x axis (seconds) to the samples' span, at least the last minute (now when empty). */
function fit(u: uPlot): void {
  const xs = u.data[0];
  const end = xs.length ? xs[xs.length - 1]! : Date.now() / 1000;
  const start = xs.length ? xs[0]! : end;
  u.setScale('x', { min: Math.min(start, end - 60), max: end });
}

const dark = () => window.matchMedia('(prefers-color-scheme: dark)').matches;

export function TimeChart({ title, series, lines, format, version, integer = false, height = 220 }: Props) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [scheme, setScheme] = useState(dark());

  useEffect(() => {
    const mq = window.matchMedia('(prefers-color-scheme: dark)');
    const on = () => setScheme(mq.matches);
    mq.addEventListener('change', on);
    return () => mq.removeEventListener('change', on);
  }, []);

  // Created before the browser paints, so the chart never appears a frame late.
  useLayoutEffect(() => {
    const el = box.current!;
    const css = getComputedStyle(el);
    const color = (v: string) => css.getPropertyValue(v).trim() || '#888';
    const axis = { stroke: color('--fg-muted'), grid: { stroke: color('--grid') }, ticks: { stroke: color('--grid') } };
    const u = new uPlot(
      {
        width: Math.max(el.clientWidth, 200),
        height,
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        // At least the last minute on the x axis, so a few samples do not fill it.
        // x is set from the data after every update (fit below): uPlot's own fit for zero
        // or one point spans years.
        scales: { x: { time: true, auto: false }, y: { range: (_u, min, max) => [Math.min(0, min), Math.max(integer ? 5 : 1, max * 1.1)] } },
        axes: [axis, { ...axis, size: 70, ...(integer ? { incrs: INTEGER_STEPS } : {}), values: (_u, ticks) => ticks.map((t) => format(t)) }],
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: color(l.color), width: 2, value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)) }))],
      },
      series.aligned() as uPlot.AlignedData,
      el,
    );
    plot.current = u;
    fit(u);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(el.clientWidth, 200), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [series, scheme, height, integer, lines.map((l) => l.key).join()]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    u.setData(series.aligned() as uPlot.AlignedData, false);
    fit(u);
  }, [version, series]);

  const newest = series.recent(1)[0];
  const caption = newest
    ? lines.map((l) => `${l.label}: ${newest.values[l.key] === null ? '–' : format(newest.values[l.key]!)}`).join(', ')
    : 'collecting samples…';
  return (
    <figure class="chart">
      <figcaption>
        <strong>{title}</strong> <span class="muted" aria-live="polite">{caption}</span>
      </figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`${title}: ${caption}`} />
      <ChartData series={series} lines={lines} format={format} />
    </figure>
  );
}

/** The chart's newest points as a table: the text alternative to the canvas. */
function ChartData({ series, lines, format }: Pick<Props, 'series' | 'lines' | 'format'>) {
  const recent = series.recent(10);
  return (
    <details class="chart-data">
      <summary>Data</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {lines.map((l) => (
              <th scope="col" key={l.key}>
                {l.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {recent.map((r) => (
            <tr key={r.t}>
              <td>{formatTime(r.t)}</td>
              {lines.map((l) => (
                <td key={l.key} data-key={l.key} data-value={r.values[l.key] ?? ''}>
                  {r.values[l.key] === null ? '–' : format(r.values[l.key]!)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
