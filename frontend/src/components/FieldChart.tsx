/** A numeric field over time, one step line per record (plain SVG), with a field and a key picker. */

import { useMemo, useState } from "react";
import { monitorSeries } from "../api/endpoints";
import type { KeySeries } from "../api/types";
import { layoutChart, valueLabel, type Series } from "../lib/chart";
import { formatTime, parseTime } from "../lib/format";
import { cellText } from "../lib/records";
import { usePolling } from "../lib/usePolling";
import { ErrorMessage, Loading } from "./common";

/** Lines shown at once: more than this many are unreadable on one chart. */
export const MAX_LINES = 10;
// Ten colours told apart also by people with the common colour-vision deficiencies (Tableau 10).
const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];
const BOX = { width: 760, height: 300, top: 14, right: 24, bottom: 34, left: 64 };

/** A record's key as one readable label (`Lamp`, or `url=…, sku=…` for a key of several fields). */
export function keyLabel(key: Record<string, unknown>): string {
  const entries = Object.entries(key);
  if (entries.length === 1) return cellText(entries[0]![1]) || "(empty)";
  return entries.map(([k, v]) => `${k}=${cellText(v)}`).join(", ");
}

function toSeries(items: KeySeries[]): Series[] {
  return items.map((s) => ({
    label: keyLabel(s.key),
    points: s.points.map((p) => ({ t: parseTime(p.at) ?? 0, value: p.value })),
  }));
}

function Chart({ series, end, field }: { series: Series[]; end: number | undefined; field: string }) {
  const chart = layoutChart(series, BOX, end);
  const { plot } = chart;
  return (
    <svg className="chart" viewBox={`0 0 ${BOX.width} ${BOX.height}`} role="img" aria-labelledby="chart-title" data-testid="field-chart">
      <title id="chart-title">{`${field} over time for ${series.map((s) => s.label).join(", ")}`}</title>
      <g className="chart-grid">
        {chart.yTicks.map((t) => (
          <g key={`y${t.value}`}>
            <line x1={plot.x0} x2={plot.x1} y1={t.at} y2={t.at} />
            <text x={plot.x0 - 8} y={t.at} dy="0.32em" textAnchor="end">
              {t.label}
            </text>
          </g>
        ))}
        {chart.xTicks.map((t) => (
          <g key={`x${t.value}`}>
            <line x1={t.at} x2={t.at} y1={plot.y0} y2={plot.y0 + 5} />
            <text x={t.at} y={plot.y0 + 20} textAnchor="middle">
              {t.label}
            </text>
          </g>
        ))}
        <line className="chart-axis" x1={plot.x0} x2={plot.x1} y1={plot.y0} y2={plot.y0} />
      </g>
      {chart.lines.map((line, i) => (
        <g key={line.label} stroke={COLORS[i % COLORS.length]} fill={COLORS[i % COLORS.length]}>
          <path d={line.path} fill="none" strokeWidth={2} />
          {line.marks.map((m) => (
            <circle key={m.t} cx={m.x} cy={m.y} r={3.5}>
              <title>{`${line.label}: ${valueLabel(m.value)} at ${formatTime(new Date(m.t).toISOString())}`}</title>
            </circle>
          ))}
        </g>
      ))}
    </svg>
  );
}

export function FieldChart({ monitorRef, fields, end, version }: { monitorRef: string; fields: string[]; end?: string; version: string }) {
  const [field, setField] = useState(fields[0] ?? "");
  const [picked, setPicked] = useState<string[] | null>(null);
  const polled = usePolling((signal) => monitorSeries(monitorRef, field, signal), () => false, [monitorRef, field, version]);
  const all = useMemo(() => toSeries(polled.data?.series ?? []), [polled.data]);
  const labels = all.map((s) => s.label);
  // By default the first keys (the API lists them in the order they first appeared).
  const chosen = (picked ?? labels.slice(0, MAX_LINES)).filter((l) => labels.includes(l));
  const shown = all.filter((s) => chosen.includes(s.label));

  function toggle(label: string, on: boolean) {
    const next = on ? [...chosen, label] : chosen.filter((l) => l !== label);
    setPicked(next.slice(-MAX_LINES));
  }

  if (fields.length === 0) return <p className="empty">The monitor's schema names no field to chart.</p>;
  return (
    <div className="field-chart">
      <div className="filters">
        <label>
          Field
          <select value={field} onChange={(e) => setField(e.target.value)}>
            {fields.map((f) => (
              <option key={f}>{f}</option>
            ))}
          </select>
        </label>
      </div>
      {polled.error ? <ErrorMessage error={polled.error} title="The history could not be loaded" /> : null}
      {polled.loading && <Loading what="Loading the history" />}
      {polled.data && all.every((s) => s.points.every((p) => p.value === null)) && (
        <p className="empty">No numeric value of “{field}” yet.</p>
      )}
      {polled.data && shown.length > 0 && shown.some((s) => s.points.some((p) => p.value !== null)) && (
        <>
          <Chart series={shown} end={parseTime(end) ?? undefined} field={field} />
          <fieldset className="chart-keys">
            <legend>
              Records {labels.length > MAX_LINES ? `(${chosen.length} of ${labels.length} shown, at most ${MAX_LINES})` : ""}
            </legend>
            {all.map((s) => {
              const index = shown.indexOf(s);
              return (
                <label key={s.label} className="check">
                  <input type="checkbox" checked={index >= 0} onChange={(e) => toggle(s.label, e.target.checked)} />
                  <span className="swatch" style={{ background: index >= 0 ? COLORS[index % COLORS.length] : "transparent" }} aria-hidden="true" />
                  {s.label}
                </label>
              );
            })}
          </fieldset>
        </>
      )}
    </div>
  );
}
