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

/** The objects in `o[key]` (the report is typed as any JSON in the OpenAPI document so far). */
function list(o: Obj | undefined, key: string): Obj[] {
  const v = o?.[key];
  return Array.isArray(v) ? v.filter(isObj) : [];
}

function seconds(o: Obj): string {
  return typeof o.seconds === "number" ? formatDuration(o.seconds * 1000) : "";
}

function describe(step: Obj): string {
  const parts = typeof step.summary === "string" ? [step.summary] : [];
  // Step details say what else happened (values that did not convert, rows dropped).
  if (isObj(step.details)) {
    for (const [k, v] of Object.entries(step.details)) {
      if (v === null || v === undefined || (typeof v === "object" && Object.keys(v).length === 0)) continue;
      parts.push(`${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
    }
  }
  return parts.join(" · ");
}

function ruleName(rule: Obj): string {
  if (typeof rule.description === "string" && rule.description) return rule.description;
  return [rule.column, rule.check].filter(Boolean).join(" ");
}

export function PipelineReport({ result }: { result: Obj }) {
  const steps = list(result, "steps");
  const rules = list(isObj(result.validation) ? result.validation : undefined, "rules");
  const outputs = list(result, "outputs");
  const timings = result.timings;
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
                  const rowsIn = s.rows_in;
                  const rowsOut = s.rows_out;
                  const changed = typeof rowsIn === "number" && typeof rowsOut === "number" && rowsIn !== rowsOut;
                  return (
                    <tr key={i}>
                      <td data-label="#">{Number(s.index ?? i) + 1}</td>
                      <td data-label="Step">
                        <code>{String(s.op ?? "")}</code>
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
              const failures = r.failed ?? 0;
              // A sample is `{row, values}`: the row's position, then its values as columns.
              const sampleRows = list(r, "samples").map((x) => ({ row: x.row, ...recordRow(x.values) }));
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
              const id = o.export_id;
              const name = String(o.filename ?? `output ${i + 1}`);
              return (
                <li key={i}>
                  <code>{name}</code> <span className="muted">{String(o.format ?? "")}</span>{" "}
                  {typeof o.size_bytes === "number" && formatBytes(o.size_bytes)}
                  {o.rows !== undefined && <> · {formatNumber(o.rows)} rows</>}{" "}
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
            .map(([k, v]) => `${k.replace(/_seconds$/, "")} ${typeof v === "number" ? formatDuration(v * 1000) : String(v)}`)
            .join(" · ")}
        </p>
      )}
    </div>
  );
}
