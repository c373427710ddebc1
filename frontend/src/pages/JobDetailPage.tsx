/** One job: timeline, progress, error, records, raw JSON, downloads, run again. */

import { useEffect, useRef, useState } from "react";
import { createBatch, createMap, createScrape, downloadJobFile, getJob, getJobRequest, jobFile, runPipeline } from "../api/endpoints";
import { pipelineProgress, resultOf, scrapeProgress, type ActionResult, type BatchResult, type CrawlResult, type Job, type ScrapePageResult } from "../api/types";
import { ErrorMessage, JsonBlock, Loading, Notice, StatusBadge } from "../components/common";
import { DownloadButton, RecordDownloads } from "../components/Downloads";
import { FieldSources } from "../components/FieldSources";
import { PipelineReport } from "../components/PipelineReport";
import { RecordsTable, RowsTable } from "../components/RecordsTable";
import { formatBytes, formatDuration, formatTime, jobDuration, parseTime } from "../lib/format";
import { followJob } from "../lib/jobEvents";
import { isUnfinished, jobKind, loadRerunRequest, rerunRequest } from "../lib/jobs";
import { cellText, columnsFor, recordRow, schemaFieldNames } from "../lib/records";
import { Link, navigate } from "../lib/router";
import { usePolling } from "../lib/usePolling";
import { JobActions } from "./JobsPage";

function Timeline({ job }: { job: Job }) {
  const created = parseTime(job.created_at);
  const started = parseTime(job.started_at);
  const steps: Array<{ label: string; at: string | null | undefined; note?: string; done: boolean }> = [
    { label: "Queued", at: job.created_at, done: true },
    {
      label: "Running",
      at: job.started_at,
      note: started !== null && created !== null ? `waited ${formatDuration(started - created)}` : undefined,
      done: Boolean(job.started_at),
    },
    {
      label: isUnfinished(job) ? "Finished" : job.status[0]!.toUpperCase() + job.status.slice(1),
      at: job.finished_at,
      note: job.finished_at ? `took ${jobDuration(job.started_at, job.finished_at)}` : undefined,
      done: Boolean(job.finished_at),
    },
  ];
  return (
    <ol className="timeline" aria-label="Status timeline">
      {steps.map((s) => (
        <li key={s.label} className={s.done ? "done" : "pending"}>
          <span className="step-label">{s.label}</span>
          <span className="muted small">
            {s.at ? formatTime(s.at) : "—"}
            {s.note ? ` · ${s.note}` : ""}
          </span>
        </li>
      ))}
    </ol>
  );
}

const count = (n: number) => n.toLocaleString("en-US");

function runningPipeline(job: Job) {
  const progress = pipelineProgress(job);
  return progress && job.status === "running" && progress.phase !== "done" && progress.phase !== "failed" ? progress : null;
}

/** What a running pipeline is doing, and a bar: rows of the phase where their total is known,
 * else the steps done (streamed steps run while the source is read), else an indeterminate bar. */
export function PipelineProgressBar({ job }: { job: Job }) {
  const progress = runningPipeline(job);
  if (!progress) return null;
  const { phase, rows_done: done, rows_total: total, step, steps_total: steps, op } = progress;
  let value: number | undefined;
  let max = 1;
  let text: string;
  if (phase === "storing" && done != null && total != null) {
    [value, max] = [done, Math.max(total, 1)];
    text = `Storing rows: ${count(done)} of ${count(total)}`;
  } else if (phase === "step" && step != null && steps) {
    [value, max] = [step, steps];
    text = `Step ${step + 1} of ${steps} (${op ?? "step"}) on ${count(done ?? progress.rows ?? 0)} rows`;
  } else if (phase === "reading") {
    text = `Reading the source: ${count(done ?? progress.rows_read ?? 0)} rows so far`;
  } else if (phase === "writing") {
    text = `Writing ${progress.format ?? "the output"} (${count(total ?? progress.rows ?? 0)} rows)`;
  } else {
    text = "Preparing the sources";
  }
  return (
    <div className="progress" data-testid="job-progress">
      <progress value={value} max={max} aria-label="Pipeline progress" />
      <span>{text}</span>
    </div>
  );
}

function Progress({ job }: { job: Job }) {
  if (runningPipeline(job)) return <PipelineProgressBar job={job} />;
  const crawl = scrapeProgress(job);
  if (job.type === "scrape.batch" && crawl?.pages_done != null && crawl.pages_total != null) {
    const { pages_done: done, pages_total: total, errors } = crawl;
    return (
      <div className="progress" data-testid="job-progress">
        <progress value={done} max={Math.max(total, 1)} aria-label="Batch progress" />
        <span>
          {done.toLocaleString("en-US")} of {total.toLocaleString("en-US")} URLs done
          {errors ? `, ${errors.toLocaleString("en-US")} failed` : ""}
        </span>
      </div>
    );
  }
  if (crawl?.pages_done != null && crawl.pages_queued != null) {
    const { pages_done: done, pages_queued: queued } = crawl;
    return (
      <div className="progress" data-testid="job-progress">
        <progress value={done} max={Math.max(done + queued, 1)} aria-label="Crawl progress" />
        <span>
          {done.toLocaleString("en-US")} pages done / {queued.toLocaleString("en-US")} queued
        </span>
      </div>
    );
  }
  const progress = Object.entries(job.progress ?? {}).filter(([, v]) => v !== null && v !== undefined && typeof v !== "object");
  if (progress.length === 0) return null;
  return <p className="muted">Progress: {progress.map(([k, v]) => `${k.replace(/_/g, " ")} ${cellText(v)}`).join(", ")}</p>;
}

const PAGE_FORMATS = ["markdown", "text", "links", "metadata", "html"] as const;

function Facts({ facts }: { facts: Array<[string, string | number | null | undefined]> }) {
  const shown = facts.filter(([, v]) => v !== null && v !== undefined && v !== "");
  if (shown.length === 0) return null;
  return (
    <dl className="facts">
      {shown.map(([k, v]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>{String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

type JobFile = NonNullable<ScrapePageResult["files"]>[number];

/** The page's screenshot (fetched with the API key, shown from a blob URL) and a link per file. */
export function PageFiles({ jobId, files }: { jobId: string; files: JobFile[] }) {
  const shot = files.find((f) => f.name === "screenshot.jpg") ?? files.find((f) => f.media_type.startsWith("image/"));
  const [src, setSrc] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    if (!shot) return;
    const controller = new AbortController();
    let href: string | null = null;
    setFailed(false);
    jobFile(jobId, shot.name, controller.signal).then(
      (blob) => {
        href = URL.createObjectURL(blob);
        setSrc(href);
      },
      () => {
        if (!controller.signal.aborted) setFailed(true);
      },
    );
    return () => {
      controller.abort();
      if (href) URL.revokeObjectURL(href);
      setSrc(null);
    };
  }, [jobId, shot?.name]);
  return (
    <section aria-labelledby="files-title">
      <h2 id="files-title">Captures</h2>
      {shot && src && <img className="screenshot" src={src} alt={`Screenshot of the page (${shot.name})`} style={{ maxWidth: "100%", border: "1px solid #ddd" }} />}
      {shot && failed && <p className="muted small">The screenshot could not be loaded.</p>}
      <ul className="files" aria-label="Files">
        {files.map((f) => (
          <li key={f.name}>
            <DownloadButton download={() => downloadJobFile(jobId, f.name)} label={f.name} />{" "}
            <span className="muted small">
              {f.media_type}, {formatBytes(f.size)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}

/** What each browser action did: `result.actions` of a page (a batch's records carry their own). */
export function ActionsReport({ actions }: { actions: ActionResult[] }) {
  return (
    <section aria-labelledby="actions-title">
      <h2 id="actions-title">Actions</h2>
      <div className="table-scroll">
        <table className="cards-on-phone" data-testid="actions-report">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Action</th>
              <th scope="col">Outcome</th>
              <th scope="col">Took</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {actions.map((a, i) => (
              <tr key={i} data-ok={a.ok}>
                <td data-label="#">{i + 1}</td>
                <td data-label="Action">
                  <code>{a.type}</code>
                </td>
                <td data-label="Outcome">
                  <StatusBadge status={a.ok ? "ok" : "failed"} />
                </td>
                <td data-label="Took" className="num">
                  {formatDuration(a.duration_ms)}
                </td>
                <td data-label="Error">{a.error ?? ""}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

function PageResult({ result, jobId }: { result: ScrapePageResult; jobId: string }) {
  const missing = result.missing_fields;
  return (
    <>
      <Facts
        facts={[
          ["Final URL", result.url],
          ["HTTP status", result.status_code],
          ["Strategy used", result.strategy_used],
          ["Records", result.records],
        ]}
      />
      {(missing.length > 0 || result.message) && (
        <Notice kind="warn">
          {missing.length > 0 && (
            <>
              Not found on the page: <strong>{missing.join(", ")}</strong>.{" "}
            </>
          )}
          {result.message}
        </Notice>
      )}
      {result.switched_to_dynamic && (
        <p className="muted small">Rendered in a browser: {result.switched_to_dynamic}.</p>
      )}
      <FieldSources data={result.data} sources={result.sources} missing={missing} />
      {result.actions && result.actions.length > 0 && <ActionsReport actions={result.actions} />}
      {result.files && result.files.length > 0 && <PageFiles jobId={jobId} files={result.files} />}
      {PAGE_FORMATS.filter((k) => result[k] !== undefined && result[k] !== null).map((k) => (
        <details key={k} className="json">
          <summary>{k}</summary>
          <pre>{typeof result[k] === "string" ? result[k] : JSON.stringify(result[k], null, 2)}</pre>
        </details>
      ))}
    </>
  );
}

function CrawlSummary({ result }: { result: CrawlResult }) {
  return (
    <>
      <Facts
        facts={[
          ["Start URL", result.url],
          ["Pages", result.pages],
          ["Records", result.records],
          ["Errors", result.errors],
          ["Stopped by", result.stopped_by.replace(/_/g, " ")],
        ]}
      />
      {result.failed_pages.length > 0 && (
        <details className="json">
          <summary>{result.failed_pages.length} failed pages</summary>
          <ul className="small">
            {result.failed_pages.map((p) => (
              <li key={p.url}>
                <code>{p.code}</code> {p.url}: {p.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

function BatchSummary({ result }: { result: BatchResult }) {
  return (
    <>
      <Facts
        facts={[
          ["URLs", result.urls],
          ["Succeeded", result.succeeded],
          ["Failed", result.errors],
          ["Records", result.records],
          ["Took", formatDuration(result.duration_s * 1000)],
          ["Pages per second", result.pages_per_s],
        ]}
      />
      {result.failed_pages.length > 0 && (
        <details className="json">
          <summary>
            {result.errors} failed URL{result.errors === 1 ? "" : "s"}
            {result.errors > result.failed_pages.length ? ` (the first ${result.failed_pages.length})` : ""}
          </summary>
          <ul className="small">
            {result.failed_pages.map((p, i) => (
              <li key={`${i}-${p.url}`}>
                <code>{p.code}</code> {p.url}: {p.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </>
  );
}

export function JobDetailPage({ id }: { id: string }) {
  const etag = useRef<{ id: string; etag: string | null; job: Job | null }>({ id, etag: null, job: null });
  const [actionError, setActionError] = useState<unknown>(null);
  const [rerunning, setRerunning] = useState(false);

  // While the job's event stream is open, its events say when to load the job, and the 2 s polling
  // rests; when the stream cannot be opened or breaks, polling takes over again.
  const streaming = useRef(false);
  const polled = usePolling<Job>(
    async (signal) => {
      if (etag.current.id !== id) etag.current = { id, etag: null, job: null };
      const answer = await getJob(id, etag.current.etag, signal);
      if (answer) etag.current = { id, etag: answer.etag, job: answer.body };
      return etag.current.job!;
    },
    (polledJob) => isUnfinished(polledJob) && !streaming.current,
    [id],
  );
  const refresh = useRef(polled.refresh);
  refresh.current = polled.refresh;
  useEffect(() => {
    streaming.current = true;
    const stop = followJob(id, {
      onEvent: () => refresh.current(),
      onFail: () => {
        streaming.current = false;
        refresh.current();
      },
    });
    return () => {
      streaming.current = false;
      stop();
    };
  }, [id]);

  const job = polled.data;
  if (polled.error && !job) return <ErrorMessage error={polled.error} title="The job could not be loaded" />;
  if (!job) return <Loading what="Loading job" />;

  const rerun = rerunRequest(job);
  // The new-scrape form edits pages, crawls and batches; a map is run again as it was.
  const isScrape = job.type.startsWith("scrape.") && job.type !== "scrape.map";
  const pageResult = resultOf(job, "scrape.page");
  const crawlResult = resultOf(job, "scrape.crawl");
  const batchResult = resultOf(job, "scrape.batch");
  const pipelineResult = resultOf(job, "pipeline.run") ?? resultOf(job, "pipeline.preview");
  const previewRows = resultOf(job, "pipeline.preview")?.preview_rows.map(recordRow) ?? [];
  const webhook = job.webhook;
  const schemaFields = schemaFieldNames(job.request?.schema);
  const pipelineId = typeof job.request?.pipeline_id === "string" ? job.request.pipeline_id : null;

  async function runAgain() {
    if (!rerun) return;
    setRerunning(true);
    setActionError(null);
    try {
      // A long batch's body lists only its first URLs: the new job gets every one.
      const whole = (await loadRerunRequest(job!, getJobRequest)) ?? rerun;
      const created =
        whole.path === "/api/scrape"
          ? await createScrape(whole.body)
          : whole.path === "/api/scrape/batch"
            ? await createBatch(whole.body)
            : whole.path === "/api/map"
              ? await createMap(whole.body)
              : await runPipeline(whole.body);
      navigate(`/jobs/${created.job_id}`);
    } catch (e) {
      setActionError(e);
    } finally {
      setRerunning(false);
    }
  }

  function editAndRerun() {
    if (isScrape) navigate(`/scrape/new?from=${encodeURIComponent(job!.job_id)}`);
    else if (pipelineId) navigate(`/pipelines/${encodeURIComponent(pipelineId)}`);
    else navigate(`/pipelines/new?from=${encodeURIComponent(job!.job_id)}`);
  }

  return (
    <section aria-labelledby="job-title" className="job-detail">
      <p className="crumbs">
        <Link to="/jobs">← Jobs</Link>
      </p>
      <div className="page-head">
        <div className="title-block">
          <h1 id="job-title" className="break">
            {job.label || job.name || job.job_id}
          </h1>
          <p className="muted small">
            {jobKind(job.type)} · <code>{job.job_id}</code>
            {job.name ? ` · name “${job.name}”` : ""} · priority {job.priority ?? 0}
            {job.created_by ? ` · created by key “${job.created_by}”` : ""}
            {job.parent_id && (
              <>
                {" "}· after <Link to={`/jobs/${job.parent_id}`}>job {job.parent_id.slice(0, 8)}</Link>
              </>
            )}
          </p>
        </div>
        <StatusBadge status={job.status} />
      </div>

      <div className="actions">
        {rerun && (
          <button type="button" onClick={runAgain} disabled={rerunning}>
            {rerunning ? "Starting…" : "Run again"}
          </button>
        )}
        {(isScrape || job.type === "pipeline.run") && job.request && (
          <button type="button" onClick={editAndRerun}>
            Edit and re-run
          </button>
        )}
        <JobActions
          job={job}
          onDone={(action) => (action === "delete" ? navigate("/jobs") : polled.refresh())}
          onError={setActionError}
        />
        <span className="live muted" aria-live="polite">
          {isUnfinished(job) ? "● Live: updating every 2 s" : ""}
        </span>
      </div>
      <ErrorMessage error={actionError} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Update failed; retrying" /> : null}

      <Timeline job={job} />
      <p className="muted small">
        Attempt {job.attempts} of {job.max_attempts}
        {job.retry_at ? ` · next attempt at ${formatTime(job.retry_at)}` : ""}
        {job.cancel_requested && isUnfinished(job) ? " · cancel requested" : ""}
        {job.pause_requested && isUnfinished(job) ? " · pause requested" : ""}
        {job.status === "paused" ? " · paused: resume continues where it stopped" : ""}
      </p>

      {job.progress && <Progress job={job} />}

      {job.error && (
        <div className="alert alert-error" role="alert" data-testid="job-error">
          <code className="error-code">{job.error.code}</code> {job.error.message}
        </div>
      )}

      {pageResult && <PageResult result={pageResult} jobId={job.job_id} />}
      {crawlResult && <CrawlSummary result={crawlResult} />}
      {batchResult && <BatchSummary result={batchResult} />}
      {pipelineResult && <PipelineReport result={pipelineResult} />}
      {previewRows.length > 0 && <RowsTable rows={previewRows} columns={columnsFor(previewRows)} />}

      <section aria-labelledby="records-title">
        <div className="section-head">
          <h2 id="records-title">Records</h2>
          {job.status === "completed" && <RecordDownloads jobId={job.job_id} />}
        </div>
        {job.status === "queued" ? (
          <p className="empty">Records appear here once the job runs.</p>
        ) : (
          <RecordsTable jobId={job.job_id} schemaFields={schemaFields} version={`${polled.data?.status}-${etag.current.etag ?? ""}`} />
        )}
      </section>

      {webhook && (
        <section>
          <h2>Webhook</h2>
          <p className="small">
            <code>{webhook.url}</code> on {webhook.events.join(", ")}
          </p>
          {webhook.deliveries.length > 0 && (
            <ul className="small">
              {webhook.deliveries.map((d) => (
                <li key={`${d.delivery_id}-${d.attempt}`}>
                  {formatTime(d.at)} · {d.event} · attempt {d.attempt} · {d.status_code ?? d.error}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      <JsonBlock value={job} label="Raw JSON" />
    </section>
  );
}
