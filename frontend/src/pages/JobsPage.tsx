/** The live job list: filters, status badges, and cancel / pause / resume / retry / delete. */

import { useState, type FormEvent } from "react";
import { cancelJob, deleteJob, listJobs, pauseJob, resumeJob, retryJob } from "../api/endpoints";
import type { Job, JobPage } from "../api/types";
import { CardTable, Empty, ErrorMessage, Loading, Notice, StatusBadge } from "../components/common";
import { formatAge, formatTime, jobDuration } from "../lib/format";
import { anyUnfinished, canPause, isUnfinished, JOB_STATUSES, jobKind } from "../lib/jobs";
import { Link, navigate, useLocation } from "../lib/router";
import { usePolling } from "../lib/usePolling";

const PAGE_SIZE = 50;
const TYPES = [
  ["", "All types"],
  ["scrape.page", "Scrape (page)"],
  ["scrape.crawl", "Scrape (crawl)"],
  ["scrape.batch", "Scrape (batch)"],
  ["pipeline.run", "Pipeline"],
  ["pipeline.preview", "Pipeline preview"],
];

export type JobAction = "cancel" | "pause" | "resume" | "retry" | "delete";

export function JobActions({ job, onDone, onError }: { job: Job; onDone: (action: JobAction) => void; onError: (e: unknown) => void }) {
  const [busy, setBusy] = useState(false);
  async function act(name: JobAction, action: () => Promise<unknown>) {
    setBusy(true);
    try {
      await action();
      onDone(name);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  }
  const what = job.label ?? job.job_id;
  return (
    <div className="row-actions">
      {canPause(job) && (
        <button type="button" disabled={busy} onClick={() => act("pause", () => pauseJob(job.job_id))} aria-label={`Pause ${what}`}>
          Pause
        </button>
      )}
      {job.pause_requested && job.status === "running" && (
        <button type="button" disabled={busy} onClick={() => act("resume", () => resumeJob(job.job_id))} aria-label={`Keep running ${what}`}>
          Pausing… keep running
        </button>
      )}
      {job.status === "paused" && (
        <button type="button" disabled={busy} onClick={() => act("resume", () => resumeJob(job.job_id))} aria-label={`Resume ${what}`}>
          Resume
        </button>
      )}
      {(isUnfinished(job) || job.status === "paused") && (
        <button type="button" disabled={busy || job.cancel_requested} onClick={() => act("cancel", () => cancelJob(job.job_id))} aria-label={`Cancel ${what}`}>
          {job.cancel_requested ? "Cancelling…" : "Cancel"}
        </button>
      )}
      {(job.status === "failed" || job.status === "cancelled") && (
        <button type="button" disabled={busy} onClick={() => act("retry", () => retryJob(job.job_id))} aria-label={`Retry ${what}`}>
          Retry
        </button>
      )}
      {job.status !== "running" && (
        <button
          type="button"
          className="danger"
          disabled={busy}
          aria-label={`Delete ${what}`}
          onClick={() => {
            if (window.confirm(`Delete this job and its records?\n${what}`)) void act("delete", () => deleteJob(job.job_id));
          }}
        >
          Delete
        </button>
      )}
    </div>
  );
}

export function JobsPage() {
  const { query } = useLocation();
  const status = query.get("status") ?? "";
  const type = query.get("type") ?? "";
  const name = query.get("name") ?? "";
  const cursor = query.get("cursor") ?? "";
  const created = query.get("created");
  const [nameInput, setNameInput] = useState(name);
  const [actionError, setActionError] = useState<unknown>(null);

  const polled = usePolling<JobPage>(
    (signal) => {
      const known = JOB_STATUSES.find((s) => s === status) ?? null;
      return listJobs({ status: known, type: type || null, name: name || null, limit: PAGE_SIZE, cursor: cursor || null }, signal);
    },
    (page) => anyUnfinished(page.items),
    [status, type, name, cursor],
  );

  function setFilter(changes: Record<string, string>) {
    const next = new URLSearchParams({ status, type, name, ...changes });
    for (const [k, v] of [...next.entries()]) if (!v) next.delete(k);
    const text = next.toString();
    navigate(`/jobs${text ? `?${text}` : ""}`, { replace: true });
  }

  function submitName(event: FormEvent) {
    event.preventDefault();
    setFilter({ name: nameInput.trim() });
  }

  const page = polled.data;
  const live = page ? anyUnfinished(page.items) : false;

  return (
    <section aria-labelledby="jobs-title">
      <div className="page-head">
        <h1 id="jobs-title">Jobs</h1>
        <Link to="/scrape/new" className="button primary">
          New scrape
        </Link>
      </div>
      <form className="filters" onSubmit={submitName} aria-label="Filter jobs">
        <label>
          Status
          <select value={status} onChange={(e) => setFilter({ status: e.target.value })}>
            <option value="">All</option>
            {JOB_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setFilter({ type: e.target.value })}>
            {TYPES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input type="search" value={nameInput} placeholder="exact job name" onChange={(e) => setNameInput(e.target.value)} />
        </label>
        <button type="submit">Filter</button>
        <span className="live" aria-live="polite" data-testid="poll-state">
          {polled.failures > 0 ? "Retrying…" : live ? "● Live: updating every 2 s" : page?.items.length ? "All shown jobs finished" : ""}
        </span>
        {!live && page && (
          <button type="button" className="link" onClick={polled.refresh}>
            Refresh
          </button>
        )}
      </form>

      {created && (
        <Notice kind="ok">
          Job created: <Link to={`/jobs/${created}`}>open job {created.slice(0, 8)}</Link>
        </Notice>
      )}
      <ErrorMessage error={actionError} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Jobs could not be loaded" /> : null}
      {!page && !polled.error && <Loading what="Loading jobs" />}
      {page && page.items.length === 0 && (
        <Empty>
          {status || type || name ? "No jobs match these filters." : "No jobs yet."}{" "}
          <Link to="/scrape/new">Start a scrape</Link> or <Link to="/pipelines">run a pipeline</Link>.
        </Empty>
      )}
      {page && page.items.length > 0 && (
        <CardTable className="jobs" columns={["Status", "Job", "Age", "Duration", "Attempts"]} testId="jobs-table" actions>
          {page.items.map((job) => (
            <tr key={job.job_id} data-job-id={job.job_id} className={job.job_id === created ? "highlight" : ""}>
              <td data-label="Status">
                <StatusBadge status={job.status} />
              </td>
              <td data-label="Job" className="job-cell">
                <Link to={`/jobs/${job.job_id}`} className="job-link">
                  {job.label || job.name || job.job_id}
                </Link>
                <span className="muted small">
                  {jobKind(job.type)}
                  {job.name ? ` · ${job.name}` : ""}
                  {job.created_by ? ` · by ${job.created_by}` : ""}
                  {job.error ? ` · ${job.error.code}` : ""}
                </span>
              </td>
              <td data-label="Age" title={formatTime(job.created_at)}>
                {formatAge(job.created_at)}
              </td>
              <td data-label="Duration">{jobDuration(job.started_at, job.finished_at)}</td>
              <td data-label="Attempts">
                {job.attempts}/{job.max_attempts}
              </td>
              <td>
                <JobActions job={job} onDone={() => polled.refresh()} onError={setActionError} />
              </td>
            </tr>
          ))}
        </CardTable>
      )}
      {page && (cursor || page.next_cursor) && (
        <nav className="pager" aria-label="Job pages">
          {cursor ? <button type="button" onClick={() => setFilter({ cursor: "" })}>← Newest</button> : <span />}
          {page.next_cursor && (
            <button type="button" onClick={() => setFilter({ cursor: page.next_cursor ?? "" })}>
              Older →
            </button>
          )}
        </nav>
      )}
    </section>
  );
}
