/** A finished pipeline job's report: rows in and out per step, validation failures, output files. */

import { downloadExport } from "../api/endpoints";
import { formatBytes, formatDuration, formatNumber } from "../lib/format";
import { columnsFor, recordRow } from "../lib/records";
import { DownloadButton } from "./Downloads";
import { RowsTable } from "./RecordsTable";

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function pick(o: Obj, ...keys: string[]): unknown {
  for (const k of keys) if (o[k] !== undefined && o[k] !== null) return o[k];
  return undefined;
}

function list(o: Obj, ...keys: string[]): Obj[] {
  const v = pick(o, ...keys);
  if (Array.isArray(v)) return v.filter(isObj);
  if (isObj(v)) {
    const inner = pick(v, "rules", "items");
    if (Array.isArray(inner)) return inner.filter(isObj);
  }
  return [];
}

function seconds(o: Obj): string {
  const s = pick(o, "seconds", "duration_s", "elapsed_s");
  if (typeof s === "number") return formatDuration(s * 1000);
  const ms = pick(o, "duration_ms", "ms", "elapsed_ms");
  return typeof ms === "number" ? formatDuration(ms) : "";
}

function describe(o: Obj): string {
  const text = pick(o, "summary", "message", "note", "description");
  const parts = typeof text === "string" ? [text] : [];
  // Step details say what else happened (values that did not convert, rows dropped).
  const details = pick(o, "details", "detail");
  if (isObj(details)) {
    for (const [k, v] of Object.entries(details)) {
      if (v === null || v === undefined || (typeof v === "object" && Object.keys(v).length === 0)) continue;
      parts.push(`${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
    }
  } else if (typeof details === "string") parts.push(details);
  return parts.join(" · ");
}

function ruleName(rule: Obj): string {
  const inner = isObj(rule.rule) ? rule.rule : rule;
  const described = pick(inner, "description");
  if (typeof described === "string" && described) return described;
  const column = pick(inner, "column") ?? (Array.isArray(inner.columns) ? inner.columns.join("+") : "");
  const check = pick(inner, "check", "name") ?? "";
  return [column, check].filter(Boolean).join(" ");
}

export function PipelineReport({ result }: { result: Obj }) {
  const steps = list(result, "steps", "step_reports");
  const rules = list(result, "validation", "validations");
  const outputs = list(result, "outputs", "exports", "files");
  const timings = pick(result, "timings");
  return (
    <div className="pipeline-report">
      {steps.length > 0 && (
        <section>
          <h3>Steps</h3>
          <div className="table-scroll">
            <table className="records cards-on-phone" data-testid="step-report">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Step</th>
                  <th scope="col">Rows in</th>
                  <th scope="col">Rows out</th>
                  <th scope="col">What it did</th>
                  <th scope="col">Time</th>
                </tr>
              </thead>
              <tbody>
                {steps.map((s, i) => {
                  const rowsIn = pick(s, "rows_in", "in");
                  const rowsOut = pick(s, "rows_out", "out");
                  const changed = typeof rowsIn === "number" && typeof rowsOut === "number" && rowsIn !== rowsOut;
                  return (
                    <tr key={i}>
                      <td data-label="#">{Number(pick(s, "index", "step") ?? i) + 1}</td>
                      <td data-label="Step">
                        <code>{String(pick(s, "op", "name") ?? "")}</code>
                      </td>
                      <td data-label="Rows in">{formatNumber(rowsIn)}</td>
                      <td data-label="Rows out" className={changed ? "changed" : ""}>
                        {formatNumber(rowsOut)}
                      </td>
                      <td data-label="What it did">{describe(s)}</td>
                      <td data-label="Time">{seconds(s)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </section>
      )}
      {rules.length > 0 && (
        <section>
          <h3>Validation</h3>
          <ul className="rule-list" data-testid="validation-report">
            {rules.map((r, i) => {
              const failures = pick(r, "failed", "failures", "count") ?? 0;
              const samples = pick(r, "samples", "sample_rows", "examples");
              // A sample is `{row, values}`: the row's position, then its values as columns.
              const sampleRows = Array.isArray(samples)
                ? samples.map((x) => (isObj(x) && isObj(x.values) ? { row: x.row, ...recordRow(x.values) } : recordRow(x)))
                : [];
              return (
                <li key={i} className={Number(failures) > 0 ? "rule-failed" : "rule-ok"}>
                  <strong>{ruleName(r)}</strong>: {formatNumber(failures)} failing row{failures === 1 ? "" : "s"}
                  {typeof r.on_fail === "string" && <span className="muted"> ({r.on_fail})</span>}
                  {sampleRows.length > 0 && (
                    <details>
                      <summary>{sampleRows.length} sample row{sampleRows.length === 1 ? "" : "s"}</summary>
                      <RowsTable rows={sampleRows} columns={columnsFor(sampleRows)} caption="Failing rows" />
                    </details>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {outputs.length > 0 && (
        <section>
          <h3>Output files</h3>
          <ul className="file-list">
            {outputs.map((o, i) => {
              const id = pick(o, "export_id", "id");
              const name = String(pick(o, "filename", "name", "path") ?? `output ${i + 1}`);
              return (
                <li key={i}>
                  <code>{name}</code> <span className="muted">{String(pick(o, "format") ?? "")}</span>{" "}
                  {formatBytes(pick(o, "size_bytes", "size", "bytes") as number | undefined)}
                  {pick(o, "rows") !== undefined && <> · {formatNumber(pick(o, "rows"))} rows</>}{" "}
                  {typeof id === "string" && <DownloadButton download={() => downloadExport(id, name)} label="Download" />}
                </li>
              );
            })}
          </ul>
        </section>
      )}
      {isObj(timings) && (
        <p className="muted">
          Timings:{" "}
          {Object.entries(timings)
            .map(([k, v]) => `${k.replace(/_(seconds|ms)$/, "")} ${typeof v === "number" ? formatDuration(v * (k.endsWith("_ms") ? 1 : 1000)) : String(v)}`)
            .join(" · ")}
        </p>
      )}
    </div>
  );
}
