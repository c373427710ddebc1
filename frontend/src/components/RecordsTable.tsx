/** A job's records as a paged table; columns follow the schema, then whatever else the records hold. */

import { useEffect, useState } from "react";
import { jobRecords } from "../api/endpoints";
import type { RecordPage } from "../api/types";
import { cellText, columnsFor, recordRow, type Row } from "../lib/records";
import { ErrorMessage, Loading } from "./common";

const PAGE_SIZE = 25;
const LONG_CELL = 120;

function Cell({ value }: { value: unknown }) {
  const text = cellText(value);
  if (Array.isArray(value) || (typeof value === "object" && value !== null)) {
    return (
      <details className="cell-json">
        <summary>{Array.isArray(value) ? `${value.length} item${value.length === 1 ? "" : "s"}` : "object"}</summary>
        <pre>{JSON.stringify(value, null, 2)}</pre>
      </details>
    );
  }
  // A link only when the whole cell is a URL (an error message that starts with one is text).
  if (typeof value === "string" && /^https?:\/\/\S+$/.test(value)) {
    return (
      <a href={value} target="_blank" rel="noreferrer noopener" className="cell-url" title={value}>
        {value}
      </a>
    );
  }
  if (text.length > LONG_CELL) return <span title={text}>{text.slice(0, LONG_CELL)}…</span>;
  return <>{text}</>;
}

export function RowsTable({ rows, columns, caption, testId = "rows-table" }: { rows: Row[]; columns: string[]; caption?: string; testId?: string }) {
  return (
    <div className="table-scroll">
      <table className="records" data-testid={testId}>
        {caption && <caption className="sr-only">{caption}</caption>}
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c} data-label={c}>
                  <Cell value={row[c]} />
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** `version` changes whenever the job changes (its ETag), so a running crawl's table fills in live. */
export function RecordsTable({ jobId, schemaFields, version }: { jobId: string; schemaFields: string[]; version: string }) {
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<RecordPage | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    const controller = new AbortController();
    jobRecords(jobId, offset, PAGE_SIZE, controller.signal)
      .then((p) => {
        setPage(p);
        setError(null);
      })
      .catch((e) => {
        if (!controller.signal.aborted) setError(e);
      });
    return () => controller.abort();
  }, [jobId, offset, version]);

  if (error) return <ErrorMessage error={error} title="Records could not be loaded" />;
  if (!page) return <Loading what="Loading records" />;
  if (page.total === 0) return <p className="empty">No records yet.</p>;
  const rows = page.items.map(recordRow);
  const columns = columnsFor(rows, schemaFields);
  const last = Math.min(page.offset + page.items.length, page.total);
  return (
    <div className="records-block">
      <RowsTable rows={rows} columns={columns} caption="Records" testId="records-table" />
      <nav className="pager" aria-label="Records pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE_SIZE))}>
          ← Previous
        </button>
        <span data-testid="records-range">
          {page.offset + 1}–{last} of {page.total.toLocaleString("en-US")}
        </span>
        <button type="button" disabled={last >= page.total} onClick={() => setOffset(offset + PAGE_SIZE)}>
          Next →
        </button>
      </nav>
    </div>
  );
}
