/** Files written by pipelines: size, rows, when; download and delete. */

import { useState } from "react";
import { deleteExport, downloadExport, listExports } from "../api/endpoints";
import type { ExportFile } from "../api/types";
import { CardTable, Empty, ErrorMessage, Loading } from "../components/common";
import { DownloadButton } from "../components/Downloads";
import { formatAge, formatBytes, formatNumber, formatTime } from "../lib/format";
import { Link } from "../lib/router";
import { usePolling } from "../lib/usePolling";


export function ExportsPage() {
  const polled = usePolling<ExportFile[]>(listExports, () => false, []);
  const [error, setError] = useState<unknown>(null);

  async function remove(e: ExportFile) {
    if (!window.confirm(`Delete ${e.filename}?`)) return;
    try {
      await deleteExport(e.export_id);
      polled.refresh();
    } catch (err) {
      setError(err);
    }
  }

  const exports = polled.data;
  return (
    <section aria-labelledby="exports-title">
      <div className="page-head">
        <h1 id="exports-title">Exports</h1>
        <button type="button" onClick={polled.refresh}>
          Refresh
        </button>
      </div>
      <p className="muted">Files written by pipeline runs.</p>
      <ErrorMessage error={error} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Exports could not be loaded" /> : null}
      {!exports && !polled.error && <Loading what="Loading exports" />}
      {exports && exports.length === 0 && (
        <Empty>
          No exports yet. A pipeline with an output writes one: <Link to="/pipelines">Pipelines</Link>.
        </Empty>
      )}
      {exports && exports.length > 0 && (
        <CardTable columns={["File", "Size", "Rows", "Created", "From"]} testId="exports-table" actions>
          {exports.map((e) => (
            <tr key={e.export_id}>
              <td data-label="File">
                <code>{e.filename}</code>
              </td>
              <td data-label="Size">{formatBytes(e.size_bytes)}</td>
              <td data-label="Rows">{formatNumber(e.rows)}</td>
              <td data-label="Created" title={formatTime(e.created_at)}>
                {formatAge(e.created_at)}
              </td>
              <td data-label="From">{e.job_id ? <Link to={`/jobs/${e.job_id}`}>job {e.job_id.slice(0, 8)}</Link> : ""}</td>
              <td>
                <div className="row-actions">
                  <DownloadButton download={() => downloadExport(e.export_id, e.filename)} label="Download" />
                  <button type="button" className="danger" onClick={() => remove(e)} aria-label={`Delete ${e.filename}`}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </CardTable>
      )}
    </section>
  );
}
