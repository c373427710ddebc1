/** A finished pipeline job's report: rows in and out per step, validation failures, output files. */

import { downloadExport } from "../api/endpoints";
import type { PipelineResult } from "../api/types";
import { formatBytes, formatDuration, formatNumber } from "../lib/format";
import { columnsFor, recordRow } from "../lib/records";
import { DownloadButton } from "./Downloads";
import { RowsTable } from "./RecordsTable";

type Step = PipelineResult["steps"][number];

function describe(step: Step): string {
  const parts = [step.summary];
  // Step details say what else happened (values that did not convert, rows dropped).
  for (const [k, v] of Object.entries(step.details)) {
    if (v === null || v === undefined || (typeof v === "object" && Object.keys(v).length === 0)) continue;
    parts.push(`${k.replace(/_/g, " ")}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
  }
  return parts.join(" · ");
}

export function PipelineReport({ result }: { result: PipelineResult }) {
  const steps = result.steps;
  const rules = result.validation?.rules ?? [];
  const outputs = "outputs" in result ? result.outputs : [];
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
                  const changed = s.rows_in !== s.rows_out;
                  return (
                    <tr key={i}>
                      <td data-label="#">{s.index + 1}</td>
                      <td data-label="Step">
                        <code>{s.op}</code>
                      </td>
                      <td data-label="Rows in">{formatNumber(s.rows_in)}</td>
                      <td data-label="Rows out" className={changed ? "changed" : ""}>
                        {formatNumber(s.rows_out)}
                      </td>
                      <td data-label="What it did">{describe(s)}</td>
                      <td data-label="Time">{formatDuration(s.seconds * 1000)}</td>
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
              // A sample is `{row, values}`: the row's position, then its values as columns.
              const sampleRows = r.samples.map((x) => ({ row: x.row, ...recordRow(x.values) }));
              return (
                <li key={i} className={r.failed > 0 ? "rule-failed" : "rule-ok"}>
                  <strong>{r.description || `${r.column} ${r.check}`}</strong>: {formatNumber(r.failed)} failing row{r.failed === 1 ? "" : "s"}
                  <span className="muted"> ({r.on_fail})</span>
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
            {outputs.map((o) => (
              <li key={o.export_id}>
                <code>{o.filename}</code> <span className="muted">{o.format}</span> {formatBytes(o.size_bytes)} · {formatNumber(o.rows)} rows{" "}
                <DownloadButton download={() => downloadExport(o.export_id, o.filename)} label="Download" />
              </li>
            ))}
          </ul>
        </section>
      )}
      <p className="muted">
        Timings:{" "}
        {Object.entries(result.timings)
          .flatMap(([k, v]) => (typeof v === "number" ? [`${k.replace(/_seconds$/, "")} ${formatDuration(v * 1000)}`] : []))
          .join(" · ")}
      </p>
    </div>
  );
}
