/** One monitor: its rules, "Check now", the change feed, a field's history and the checks. */

import { useState } from "react";
import { getMonitor, monitorChecks } from "../api/endpoints";
import type { Monitor, MonitorCheck } from "../api/types";
import { ChangeFeed } from "../components/ChangeFeed";
import { CheckProgress } from "../components/CheckProgress";
import { CardTable, Empty, ErrorMessage, Loading, StatusBadge } from "../components/common";
import { FieldChart } from "../components/FieldChart";
import { formatAge, formatTime } from "../lib/format";
import { chartFields } from "../lib/monitorView";
import { cellText } from "../lib/records";
import { Link, navigate } from "../lib/router";
import { usePolling } from "../lib/usePolling";
import { useMonitorCheck } from "../lib/useMonitorCheck";
import { MonitorActions, formatNext, monitorUrl } from "./MonitorsPage";

function Facts({ monitor }: { monitor: Monitor }) {
  const facts: Array<[string, string]> = [
    ["Target", monitorUrl(monitor)],
    ["Strategy", cellText(monitor.target.strategy ?? "static")],
    ["Watches", Array.isArray(monitor.target.formats) ? monitor.target.formats.join(", ") : "data"],
    ["Schedule", monitor.every ? `every ${monitor.every}` : `cron ${monitor.cron} (${monitor.timezone})`],
    ["Next check", monitor.enabled ? `${formatNext(monitor.next_check_at)} (${formatTime(monitor.next_check_at)})` : "paused"],
    ["Key", monitor.key.join(", ")],
    ["Compare", monitor.compare?.join(", ") ?? "every field but the key"],
    ["Records", String(monitor.records)],
    ["Removals", monitor.confirm_removals ? "confirmed by a second check" : "reported at once"],
    ["Suspect below", `${Math.round(monitor.min_ratio * 100)} % of the last check's records`],
    ["Last change", monitor.last_change_at ? `${formatAge(monitor.last_change_at)} (${formatTime(monitor.last_change_at)})` : "none yet"],
  ];
  if (monitor.ignore.length) facts.push(["Ignore", monitor.ignore.join("  ·  ")]);
  if (monitor.conditions.length) {
    const text = monitor.conditions.map((c) => `${cellText(c.field)} ${cellText(c.op)}${c.value === undefined || c.value === null ? "" : ` ${JSON.stringify(c.value)}`}`);
    facts.push([`Notify when (${monitor.match})`, text.join("; ")]);
  }
  if (monitor.notify.length) facts.push(["Notify", monitor.notify.map((n) => `${n.url} (${n.events.join(", ")})`).join("; ")]);
  return (
    <dl className="facts" data-testid="monitor-facts">
      {facts.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{v}</dd>
        </div>
      ))}
    </dl>
  );
}

const COUNTS = ["added", "removed", "changed", "text", "records"] as const;

function Checks({ checks }: { checks: MonitorCheck[] }) {
  if (checks.length === 0) return <Empty>No checks yet: “Check now” takes the baseline.</Empty>;
  return (
    <CardTable columns={["Checked", "Status", ...COUNTS.map((c) => c[0]!.toUpperCase() + c.slice(1)), "Notified", "Job"]} testId="checks-table">
      {checks.map((c) => (
        <tr key={c.check_id}>
          <td data-label="Checked" title={formatTime(c.checked_at)}>
            {formatAge(c.checked_at)}
          </td>
          <td data-label="Status">
            <StatusBadge status={c.status} />
            {c.message && <span className="muted small block">{c.message}</span>}
            {(c.counts.pending ?? 0) > 0 && <span className="muted small block">{c.counts.pending} removal(s) waiting for confirmation</span>}
          </td>
          {COUNTS.map((k) => (
            <td key={k} data-label={k[0]!.toUpperCase() + k.slice(1)} className="num">
              {c.counts[k] ?? 0}
            </td>
          ))}
          <td data-label="Notified" className="num">
            {c.notified}
          </td>
          <td data-label="Job">
            <Link to={`/jobs/${c.job_id}`}>{c.job_id.slice(0, 8)}</Link>
          </td>
        </tr>
      ))}
    </CardTable>
  );
}

export function MonitorPage({ monitorRef }: { monitorRef: string }) {
  const polled = usePolling<Monitor>((signal) => getMonitor(monitorRef, signal), () => false, [monitorRef]);
  const [actionError, setActionError] = useState<unknown>(null);
  const check = useMonitorCheck(() => polled.refresh());
  const monitor = polled.data;
  const version = monitor?.last_check?.check_id ?? "none";
  const checks = usePolling((signal) => monitorChecks(monitorRef, signal), () => false, [monitorRef, version]);

  if (polled.error && !monitor) return <ErrorMessage error={polled.error} title="The monitor could not be loaded" />;
  if (!monitor) return <Loading what="Loading monitor" />;
  const running = Boolean(check.starting) || Boolean(check.run && !check.run.done && !check.run.late);

  return (
    <section aria-labelledby="monitor-title" className="monitor-detail">
      <p className="crumbs">
        <Link to="/monitors">← Monitors</Link>
      </p>
      <div className="page-head">
        <div className="title-block">
          <h1 id="monitor-title" className="break">
            {monitor.name}
          </h1>
          <p className="muted small">
            <code>{monitor.monitor_id}</code> · created {formatAge(monitor.created_at)}
            {monitor.last_check && (
              <>
                {" "}· last check <strong>{monitor.last_check.status}</strong> {formatAge(monitor.last_check.checked_at)}
              </>
            )}
          </p>
        </div>
        <StatusBadge status={monitor.enabled ? "active" : "paused"} />
      </div>

      <div className="actions">
        <MonitorActions
          monitor={monitor}
          checking={running}
          onCheck={() => check.start(monitor.monitor_id)}
          onDone={(deleted) => (deleted ? navigate("/monitors") : polled.refresh())}
          onError={setActionError}
        />
        <Link to={`/monitors/${monitor.monitor_id}/edit`} className="button">
          Edit
        </Link>
      </div>
      {check.run && <CheckProgress run={check.run} />}
      <ErrorMessage error={actionError ?? check.error} title="Action failed" />

      <Facts monitor={monitor} />

      <ChangeFeed monitorRef={monitor.monitor_id} name={monitor.name} version={version} />

      <section aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        <FieldChart monitorRef={monitor.monitor_id} fields={chartFields(monitor)} end={monitor.last_check?.checked_at} version={version} />
      </section>

      <section aria-labelledby="checks-title">
        <h2 id="checks-title">Checks</h2>
        {checks.error ? <ErrorMessage error={checks.error} title="Checks could not be loaded" /> : null}
        {checks.data ? <Checks checks={checks.data.items} /> : !checks.error && <Loading what="Loading checks" />}
      </section>
    </section>
  );
}
