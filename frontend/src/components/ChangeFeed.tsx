/** A monitor's change feed: added, removed and changed records (before -> after), text diffs; paged. */

import { useEffect, useState } from "react";
import { downloadMonitorChanges, monitorChanges, type ChangeFormat } from "../api/endpoints";
import type { ChangeKind, MonitorChange } from "../api/types";
import { formatAge, formatTime } from "../lib/format";
import { cellText } from "../lib/records";
import { ErrorMessage, Loading, StatusBadge } from "./common";
import { DownloadButton } from "./Downloads";
import { keyLabel } from "./FieldChart";
import { TextDiff } from "./TextDiff";

export const CHANGE_KINDS: ChangeKind[] = ["added", "removed", "changed", "text"];
const PAGE = 50;
const DOWNLOADS: ChangeFormat[] = ["csv", "xlsx"];

function Value({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <span className="muted">—</span>;
  return <>{cellText(value)}</>;
}

function RecordFields({ record, keyFields }: { record: Record<string, unknown>; keyFields: string[] }) {
  const entries = Object.entries(record).filter(([k]) => !keyFields.includes(k));
  if (entries.length === 0) return null;
  return (
    <dl className="change-record">
      {entries.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <Value value={v} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

function ChangeItem({ change }: { change: MonitorChange }) {
  const keyFields = Object.keys(change.key);
  const label = keyLabel(change.key);
  return (
    <li className={`change change-${change.kind}`} data-kind={change.kind} data-testid="change">
      <div className="change-head">
        <StatusBadge status={change.kind} />
        <strong className="break">{label}</strong>
        <span className="muted small" title={formatTime(change.created_at)}>
          {formatAge(change.created_at)}
        </span>
      </div>
      {change.kind === "changed" && change.fields && (
        <table className="field-diff" aria-label={`Changed fields of ${label}`}>
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Before</th>
              <th scope="col" aria-hidden="true" />
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {change.fields.map((f) => (
              <tr key={f.field}>
                <th scope="row">{f.field}</th>
                <td className="before">
                  <del>
                    <Value value={f.before} />
                  </del>
                </td>
                <td className="arrow" aria-hidden="true">
                  →
                </td>
                <td className="after">
                  <ins>
                    <Value value={f.after} />
                  </ins>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {change.kind === "added" && change.after && <RecordFields record={change.after} keyFields={keyFields} />}
      {change.kind === "removed" && change.before && <RecordFields record={change.before} keyFields={keyFields} />}
      {change.kind === "text" && (
        <>
          <p className="muted small">
            {change.format}: {change.added_lines ?? 0} line{change.added_lines === 1 ? "" : "s"} added, {change.removed_lines ?? 0} removed
            {change.truncated ? " (diff cut short)" : ""}
          </p>
          <TextDiff diff={change.diff ?? ""} label={`Text diff of ${label} (${change.format})`} />
        </>
      )}
    </li>
  );
}

interface Feed {
  items: MonitorChange[];
  next: string | null;
}

export function ChangeFeed({ monitorRef, name, version }: { monitorRef: string; name: string; version: string }) {
  const [kinds, setKinds] = useState<ChangeKind[]>([]);
  const [feed, setFeed] = useState<Feed | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const kindQuery = kinds.length ? kinds : undefined;

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    monitorChanges(monitorRef, { kind: kindQuery, limit: PAGE }, controller.signal)
      .then((page) => setFeed({ items: page.items, next: page.next_cursor }))
      .catch((e) => controller.signal.aborted || setError(e));
    return () => controller.abort();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [monitorRef, kinds.join(","), version]);

  async function loadMore() {
    if (!feed?.next) return;
    setLoadingMore(true);
    try {
      const page = await monitorChanges(monitorRef, { kind: kindQuery, limit: PAGE, cursor: feed.next });
      setFeed({ items: [...feed.items, ...page.items], next: page.next_cursor });
    } catch (e) {
      setError(e);
    } finally {
      setLoadingMore(false);
    }
  }

  return (
    <section aria-labelledby="changes-title" data-testid="change-feed">
      <div className="section-head">
        <h2 id="changes-title">Changes</h2>
        <div className="downloads" role="group" aria-label="Download changes">
          <span className="muted">Download:</span>
          {DOWNLOADS.map((f) => (
            <DownloadButton key={f} label={f.toUpperCase()} download={() => downloadMonitorChanges(monitorRef, f, kindQuery, `monitor-${name}-changes.${f}`)} />
          ))}
        </div>
      </div>
      <fieldset className="kind-filter">
        <legend className="sr-only">Show changes of kind</legend>
        <span className="muted small" aria-hidden="true">
          Show:
        </span>
        {CHANGE_KINDS.map((k) => (
          <label key={k} className="check">
            <input type="checkbox" checked={kinds.includes(k)} onChange={(e) => setKinds(e.target.checked ? [...kinds, k] : kinds.filter((x) => x !== k))} /> {k}
          </label>
        ))}
        {kinds.length > 0 && (
          <button type="button" className="link" onClick={() => setKinds([])}>
            all kinds
          </button>
        )}
      </fieldset>
      <ErrorMessage error={error} title="Changes could not be loaded" />
      {!feed && !error && <Loading what="Loading changes" />}
      {feed && feed.items.length === 0 && <p className="empty">No changes{kinds.length ? " of these kinds" : ""} yet. The first check records the baseline.</p>}
      {feed && feed.items.length > 0 && (
        <ol className="change-list" aria-label="Changes, newest first">
          {feed.items.map((c) => (
            <ChangeItem change={c} key={c.change_id} />
          ))}
        </ol>
      )}
      {feed?.next && (
        <div className="pager">
          <button type="button" onClick={loadMore} disabled={loadingMore}>
            {loadingMore ? "Loading…" : "Load more"}
          </button>
        </div>
      )}
    </section>
  );
}
