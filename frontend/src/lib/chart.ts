/**
 * The geometry of a line chart of values over time: scales, round tick values and SVG paths. A
 * monitor's series holds a value only when it changed, so lines are steps: a value holds until the
 * next one, and a null (the record was removed) ends the line.
 */

export interface Point {
  /** Milliseconds since the epoch. */
  t: number;
  value: number | null;
}

export interface Series {
  label: string;
  points: Point[];
}

export interface Box {
  width: number;
  height: number;
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Tick {
  value: number;
  at: number;
  label: string;
}

export interface PlottedLine {
  label: string;
  path: string;
  /** The points where a value was seen (the markers), in chart coordinates. */
  marks: Array<{ x: number; y: number; t: number; value: number }>;
}

export interface Chart {
  xTicks: Tick[];
  yTicks: Tick[];
  lines: PlottedLine[];
  plot: { x0: number; x1: number; y0: number; y1: number };
}

/** A linear map from `domain` to `range`; a domain of one value maps to the range's middle. */
export function linearScale([d0, d1]: [number, number], [r0, r1]: [number, number]): (v: number) => number {
  if (d1 === d0) return () => (r0 + r1) / 2;
  const k = (r1 - r0) / (d1 - d0);
  return (v) => r0 + (v - d0) * k;
}

/** A round step (1, 2 or 5 times a power of ten) giving about `count` intervals over [min, max]. */
export function niceStep(min: number, max: number, count: number): number {
  const raw = (max - min) / Math.max(count, 1);
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / power;
  const nice = fraction >= 7.5 ? 10 : fraction >= 3.5 ? 5 : fraction >= 1.5 ? 2 : 1;
  return nice * power;
}

/** The value axis: [min, max] widened to round ticks (a flat series gets room above and below). */
export function valueDomain(values: number[], count = 5): { domain: [number, number]; ticks: number[] } {
  if (values.length === 0) return { domain: [0, 1], ticks: [0, 0.5, 1] };
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (min === max) {
    const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
    min -= pad;
    max += pad;
  }
  const step = niceStep(min, max, count);
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  // Rounded so that 0.1 + 0.2 reads 0.3.
  const digits = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(digits)));
  return { domain: [lo, hi], ticks };
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const TIME_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 30 * DAY, 91 * DAY, 365 * DAY,
];

/** Time ticks on whole seconds, minutes, hours or days (in the browser's time zone for days). */
export function timeTicks(t0: number, t1: number, count = 6): number[] {
  if (!(t1 > t0)) return [t0];
  const raw = (t1 - t0) / Math.max(count, 1);
  const step = TIME_STEPS.find((s) => s >= raw) ?? TIME_STEPS[TIME_STEPS.length - 1]!;
  // Days start at local midnight; shorter steps on the epoch's grid line up with the clock.
  const offset = step >= DAY ? new Date(t0).getTimezoneOffset() * MINUTE : 0;
  const ticks: number[] = [];
  for (let t = Math.ceil((t0 - offset) / step) * step + offset; t <= t1; t += step) ticks.push(t);
  return ticks;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** A tick's label, as precise as the span needs. */
export function timeLabel(t: number, span: number): string {
  const d = new Date(t);
  const clock = `${pad2(d.getHours())}:${pad2(d.getMinutes())}`;
  if (span < 10 * MINUTE) return `${clock}:${pad2(d.getSeconds())}`;
  if (span < 2 * DAY) return clock;
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}`;
}

export function valueLabel(v: number): string {
  return v.toLocaleString("en-US", { maximumFractionDigits: 6 });
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The chart of `series` in `box`, time running to `end` (the last check: a value holds until then).
 */
export function layoutChart(series: Series[], box: Box, end?: number): Chart {
  const all = series.flatMap((s) => s.points);
  const times = all.map((p) => p.t);
  const values = all.map((p) => p.value).filter((v): v is number => v !== null);
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = Math.max(times.length ? Math.max(...times) : 1, end ?? -Infinity);
  const { domain, ticks } = valueDomain(values);
  const plot = { x0: box.left, x1: box.width - box.right, y0: box.height - box.bottom, y1: box.top };
  // A single moment (one check) is drawn at the middle of the width.
  const x = linearScale([t0, t1], [plot.x0, plot.x1]);
  const y = linearScale(domain, [plot.y0, plot.y1]);
  const span = t1 - t0;
  const lines = series.map((s) => {
    const points = [...s.points].sort((a, b) => a.t - b.t);
    const parts: string[] = [];
    const marks: PlottedLine["marks"] = [];
    let open: { y: number } | null = null;
    for (const p of points) {
      const px = round(x(p.t));
      if (open) parts.push(`H${px}`);
      if (p.value === null) {
        open = null;
        continue;
      }
      const py = round(y(p.value));
      parts.push(open ? `V${py}` : `M${px} ${py}`);
      open = { y: py };
      marks.push({ x: px, y: py, t: p.t, value: p.value });
    }
    if (open) parts.push(`H${round(x(t1))}`);
    return { label: s.label, path: parts.join(" "), marks };
  });
  return {
    plot,
    lines,
    yTicks: ticks.map((v) => ({ value: v, at: round(y(v)), label: valueLabel(v) })),
    xTicks: (span > 0 ? timeTicks(t0, t1) : [t0]).map((t) => ({ value: t, at: round(x(t)), label: timeLabel(t, span) })),
  };
}
