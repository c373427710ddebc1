/** Monitors: what is watched, how the last check went, what is next; check now, pause, delete. */

import { useState } from "react";
import { deleteMonitor, listMonitors, pauseMonitor, resumeMonitor } from "../api/endpoints";
import type { Monitor } from "../api/types";
import { CheckProgress } from "../components/CheckProgress";
import { CardTable, Empty, ErrorMessage, Loading, StatusBadge } from "../components/common";
import { formatAge, formatDuration, formatTime, parseTime } from "../lib/format";
import { Link } from "../lib/router";
import { usePolling } from "../lib/usePolling";
import { useMonitorCheck } from "../lib/useMonitorCheck";

export function monitorUrl(monitor: Monitor): string {
  return typeof monitor.target.url === "string" ? monitor.target.url : "";
}

/** "in 12 min", "due now", or nothing for a paused monitor. */
export function formatNext(iso: string | null | undefined, now = Date.now()): string {
  const t = parseTime(iso);
  if (t === null) return "";
  if (t <= now + 1000) return "due now";
  return `in ${formatDuration(t - now).replace(/ \d+ (s|min)$/, "")}`;
}

export function MonitorActions({
  monitor,
  onCheck,
  checking,
  onDone,
  onError,
}: {
  monitor: Monitor;
  onCheck: () => void;
  checking: boolean;
  onDone: (deleted: boolean) => void;
  onError: (e: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  async function act(action: () => Promise<unknown>, deleted = false) {
    setBusy(true);
    try {
      await action();
      onDone(deleted);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  }
  function remove() {
    if (!window.confirm(`Delete the monitor “${monitor.name}” with its history? Its check jobs stay in the jobs list.`)) return;
    void act(() => deleteMonitor(monitor.monitor_id), true);
  }
  return (
    <div className="row-actions">
      <button type="button" onClick={onCheck} disabled={checking} aria-label={`Check ${monitor.name} now`}>
        {checking ? "Checking…" : "Check now"}
      </button>
      {monitor.enabled ? (
        <button type="button" onClick={() => act(() => pauseMonitor(monitor.monitor_id))} disabled={busy} aria-label={`Pause ${monitor.name}`}>
          Pause
        </button>
      ) : (
        <button type="button" onClick={() => act(() => resumeMonitor(monitor.monitor_id))} disabled={busy} aria-label={`Resume ${monitor.name}`}>
          Resume
        </button>
      )}
      <button type="button" className="danger" onClick={remove} disabled={busy} aria-label={`Delete ${monitor.name}`}>
        Delete
      </button>
    </div>
  );
}

export function MonitorsPage() {
  const polled = usePolling<Monitor[]>(listMonitors, () => false, []);
  const [error, setError] = useState<unknown>(null);
  const check = useMonitorCheck(() => polled.refresh());
  const monitors = polled.data;
  const running = check.run && !check.run.done && !check.run.late ? check.run.monitorRef : null;
  const checkedName = monitors?.find((m) => m.monitor_id === check.run?.monitorRef)?.name;

  return (
    <section aria-labelledby="monitors-title">
      <div className="page-head">
        <h1 id="monitors-title">Monitors</h1>
        <Link to="/monitors/new" className="button primary">
          New monitor
        </Link>
      </div>
      <p className="muted">Pages checked on a schedule: each check is a scrape, compared record by record with the last one.</p>
      {check.run && <CheckProgress run={check.run} name={checkedName} />}
      <ErrorMessage error={error ?? check.error} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Monitors could not be loaded" /> : null}
      {!monitors && !polled.error && <Loading what="Loading monitors" />}
      {monitors && monitors.length === 0 && (
        <Empty>
          No monitors yet. <Link to="/monitors/new">Watch a page</Link>.
        </Empty>
      )}
      {monitors && monitors.length > 0 && (
        <CardTable columns={["Name", "Target", "Status", "Last check", "Last change", "Next check"]} testId="monitors-table" actions>
          {monitors.map((m) => (
            <tr key={m.monitor_id} data-monitor={m.name}>
              <td data-label="Name">
                <Link to={`/monitors/${m.monitor_id}`} className="job-link">
                  {m.name}
                </Link>
                <span className="muted small">{m.every ? `every ${m.every}` : `cron ${m.cron} (${m.timezone})`}</span>
              </td>
              <td data-label="Target" className="cell-url">
                {monitorUrl(m)}
              </td>
              <td data-label="Status">
                <StatusBadge status={m.enabled ? "active" : "paused"} />
              </td>
              <td data-label="Last check">
                {m.last_check ? (
                  <>
                    <StatusBadge status={m.last_check.status} />{" "}
                    <span className="small" title={formatTime(m.last_check.checked_at)}>
                      {formatAge(m.last_check.checked_at)}
                    </span>
                  </>
                ) : (
                  <span className="muted">never</span>
                )}
              </td>
              <td data-label="Last change" title={formatTime(m.last_change_at)}>
                {m.last_change_at ? formatAge(m.last_change_at) : <span className="muted">none</span>}
              </td>
              <td data-label="Next check" title={formatTime(m.next_check_at)}>
                {m.enabled ? formatNext(m.next_check_at) : <span className="muted">paused</span>}
              </td>
              <td>
                <MonitorActions
                  monitor={m}
                  checking={check.starting === m.monitor_id || running === m.monitor_id}
                  onCheck={() => check.start(m.monitor_id)}
                  onDone={() => polled.refresh()}
                  onError={setError}
                />
              </td>
            </tr>
          ))}
        </CardTable>
      )}
    </section>
  );
}
