/**
 * New scrape: one URL (or a crawl from it) or a batch of URLs; strategy, schema editor, browser
 * actions, crawl and fetch options; preview with ?wait=, then queue.
 */

import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { createBatch, createScrape, getJob, getJobRequest, jobRecords } from "../api/endpoints";
import { resultOf, type BatchRequest, type Job, type JobCreated, type ScrapeRequest } from "../api/types";
import { ActionsEditor } from "../components/ActionsEditor";
import { BatchUrlsInput } from "../components/BatchUrlsInput";
import { ErrorMessage, Notice, StatusBadge } from "../components/common";
import { RowsTable } from "../components/RecordsTable";
import { SchemaEditor } from "../components/SchemaEditor";
import { SessionPicker } from "../components/SessionPicker";
import { withWholeRequest } from "../lib/jobs";
import { loadScriptActions, useScriptActions } from "../lib/useScriptActions";
import { columnsFor, recordRow, schemaFieldNames, type Row } from "../lib/records";
import { Link, navigate, useLocation } from "../lib/router";
import { SchemaError, buildSchema } from "../lib/schema";
import { CAPTURE_ACTIONS, withoutScripts, type ActionDraft } from "../lib/actions";
import {
  EXTRA_FORMATS,
  STATIC_ACTIONS,
  buildBatchRequest,
  buildScrapeRequest,
  defaultScrapeForm,
  formFromRequest,
  previewBatchRequest,
  previewRequest,
  type ScrapeForm,
  type Strategy,
} from "../lib/scrapeForm";

const PREVIEW_WAIT_S = 30;
const PREVIEW_ROWS = 10;

const STRATEGIES: Array<{ value: Strategy; label: string; help: string }> = [
  { value: "static", label: "Static", help: "HTTP fetch, no JavaScript: fastest" },
  { value: "dynamic", label: "Dynamic", help: "headless Chromium runs the page's scripts" },
  { value: "auto", label: "Auto", help: "static first, the browser when the page needs it" },
];

const MODES: Array<{ value: ScrapeForm["mode"]; label: string }> = [
  { value: "page", label: "One page or a crawl" },
  { value: "batch", label: "A batch of URLs" },
];

type Sent = { batch: false; body: ScrapeRequest } | { batch: true; body: BatchRequest };

interface Preview {
  job: Job | null;
  created: JobCreated | null;
  rows: Row[];
  total: number;
}

/** The request to its endpoint; a preview is kept small and waited for. */
function send(sent: Sent, preview: boolean): Promise<JobCreated | Job> {
  if (sent.batch) return preview ? createBatch(previewBatchRequest(sent.body), PREVIEW_WAIT_S) : createBatch(sent.body);
  return preview ? createScrape(previewRequest(sent.body), PREVIEW_WAIT_S) : createScrape(sent.body);
}

function Field({ label, htmlFor, hint, children }: { label: string; htmlFor: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {hint && <p className="hint">{hint}</p>}
    </div>
  );
}

export function NewScrapePage() {
  const { query } = useLocation();
  const from = query.get("from");
  const [form, setForm] = useState<ScrapeForm>(defaultScrapeForm);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<"preview" | "submit" | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [loadedFrom, setLoadedFrom] = useState<string | null>(null);
  const [droppedScripts, setDroppedScripts] = useState(0);
  const [switchedToDynamic, setSwitchedToDynamic] = useState(false);
  const scripts = useScriptActions();

  useEffect(() => {
    if (!from) return;
    Promise.all([
      // A long batch's body lists only its first URLs: the form gets every one.
      getJob(from, null).then((answer) => (answer ? withWholeRequest(answer.body, getJobRequest) : null)),
      loadScriptActions(),
    ])
      .then(([job, scriptsAllowed]) => {
        if (job?.request) {
          const loaded = formFromRequest(job.request, job.name);
          // Where the API refuses scripts, the job's evaluate actions would only make it answer 422.
          const { drafts, dropped } = scriptsAllowed ? { drafts: loaded.actions, dropped: 0 } : withoutScripts(loaded.actions);
          setForm({ ...loaded, actions: drafts });
          setDroppedScripts(dropped);
          setLoadedFrom(job.job_id);
        }
      })
      .catch(setError);
  }, [from]);

  const update = (patch: Partial<ScrapeForm>) => {
    setForm((f) => ({ ...f, ...patch }));
    // A message the form itself gave (a bad URL line, actions with static) is stale once the form
    // changes; the API's answer stays until the next request.
    setError((e: unknown) => (e instanceof ApiError ? e : null));
  };
  const updateCrawl = (patch: Partial<ScrapeForm["crawl"]>) => setForm((f) => ({ ...f, crawl: { ...f.crawl, ...patch } }));

  // The first action needs the browser: a static form switches to dynamic, and says so.
  function changeActions(actions: ActionDraft[]) {
    const switching = form.strategy === "static" && form.actions.length === 0 && actions.length > 0;
    update(switching ? { actions, strategy: "dynamic" } : { actions });
    if (switching) setSwitchedToDynamic(true);
  }

  function request(): Sent | null {
    try {
      return form.mode === "batch" ? { batch: true, body: buildBatchRequest(form) } : { batch: false, body: buildScrapeRequest(form) };
    } catch (e) {
      setError(e instanceof SchemaError ? new Error(`Schema: ${e.message}`) : e);
      return null;
    }
  }

  async function runPreview() {
    const sent = request();
    if (!sent) return;
    setBusy("preview");
    setError(null);
    setPreview(null);
    try {
      const answer = await send(sent, true);
      // 200 with the finished job, or 202 while it is still running after `wait` seconds.
      const job = "type" in answer ? answer : null;
      let rows: Row[] = [];
      let total = 0;
      if (job && job.status === "completed") {
        const page = await jobRecords(job.job_id, 0, PREVIEW_ROWS);
        rows = page.items.map(recordRow);
        total = page.total;
        const page1 = resultOf(job, "scrape.page");
        if (total === 0 && page1) {
          rows = [recordRow({ url: page1.url, data: page1.data })];
          total = 1;
        }
      }
      setPreview({ job, created: "type" in answer ? null : answer, rows, total });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const sent = request();
    if (!sent) return;
    setBusy("submit");
    setError(null);
    try {
      const created = await send(sent, false);
      navigate(`/jobs?created=${encodeURIComponent(created.job_id)}`);
    } catch (e) {
      setError(e);
      setBusy(null);
    }
  }

  const previewJob = preview?.job;
  const previewPage = previewJob ? resultOf(previewJob, "scrape.page") : null;
  const schemaFields = (() => {
    try {
      return schemaFieldNames(buildSchema(form.schema));
    } catch {
      return [];
    }
  })();

  return (
    <section aria-labelledby="new-title" className="new-scrape">
      <h1 id="new-title">New scrape</h1>
      {loadedFrom && (
        <Notice>
          Editing a copy of <Link to={`/jobs/${loadedFrom}`}>job {loadedFrom.slice(0, 8)}</Link>; starting it creates a new job.
        </Notice>
      )}
      {droppedScripts > 0 && (
        <Notice kind="warn">
          That job also ran {droppedScripts} evaluate action{droppedScripts === 1 ? "" : "s"} (custom JavaScript), which this server does not accept (its
          operator has not set ALLOW_SCRIPT_ACTIONS=true): they are left out here.
        </Notice>
      )}
      <form onSubmit={submit} noValidate={false}>
        <div className="segmented mode-picker" role="radiogroup" aria-label="What to scrape">
          {MODES.map((m) => (
            <label key={m.value} className={form.mode === m.value ? "active" : ""}>
              <input type="radio" name="scrape-mode" value={m.value} checked={form.mode === m.value} onChange={() => update({ mode: m.value })} />
              {m.label}
            </label>
          ))}
        </div>

        {form.mode === "page" ? (
          <Field label="URL" htmlFor="url" hint="The page to scrape, or where a crawl starts.">
            <input id="url" type="url" required placeholder="https://shop.example/p/1" value={form.url} onChange={(e) => update({ url: e.target.value })} />
          </Field>
        ) : (
          <BatchUrlsInput value={form.batch} onChange={(batch) => update({ batch })} />
        )}

        <fieldset className="strategy">
          <legend>Strategy</legend>
          {STRATEGIES.map((s) => (
            <label key={s.value} className="radio-card">
              <input type="radio" name="strategy" value={s.value} checked={form.strategy === s.value} onChange={() => update({ strategy: s.value })} />
              <span>
                <strong>{s.label}</strong> <span className="muted small">{s.help}</span>
              </span>
            </label>
          ))}
        </fieldset>
        {form.strategy === "static" && form.actions.length > 0 && (
          <Notice kind="warn">
            {STATIC_ACTIONS}{" "}
            <button type="button" onClick={() => update({ strategy: "dynamic" })}>
              Use dynamic
            </button>
          </Notice>
        )}

        <SessionPicker value={form.session} onChange={(session) => update({ session })} />

        <SchemaEditor value={form.schema} onChange={(schema) => update({ schema })} />

        <details className="panel" open={form.actions.length > 0}>
          <summary>Actions: click, type, scroll before extracting{form.actions.length > 0 ? ` (${form.actions.length})` : ""}</summary>
          <p className="hint">
            Browser steps run in order once the page has loaded, before it is extracted: a cookie banner, a “load more” button, a search form, an endless list. They
            need the browser (dynamic or auto).{form.mode === "batch" ? " In a batch they run on every URL; screenshots and PDFs are for single pages." : ""}
          </p>
          {switchedToDynamic && form.strategy === "dynamic" && <Notice>The strategy is now dynamic: actions run in the browser.</Notice>}
          <ActionsEditor value={form.actions} onChange={changeActions} hidden={form.mode === "batch" ? CAPTURE_ACTIONS : undefined} scripts={scripts} />
        </details>

        {form.mode === "page" && (
          <details className="panel" open={form.crawl.enabled}>
            <summary>Crawl: follow links to more pages</summary>
            <label className="check">
              <input type="checkbox" checked={form.crawl.enabled} onChange={(e) => updateCrawl({ enabled: e.target.checked })} /> Crawl from this URL
            </label>
            {form.crawl.enabled && (
              <div className="grid-2">
                <Field label="Follow links (selector)" htmlFor="crawl-follow" hint="Records come from the pages these links reach; empty: from every page.">
                  <input id="crawl-follow" placeholder="a.product-link" value={form.crawl.follow} onChange={(e) => updateCrawl({ follow: e.target.value })} />
                </Field>
                <Field label="Next page (selector)" htmlFor="crawl-next">
                  <input id="crawl-next" placeholder="a[rel=next]" value={form.crawl.nextPage} onChange={(e) => updateCrawl({ nextPage: e.target.value })} />
                </Field>
                <Field label="Max pages" htmlFor="crawl-max-pages">
                  <input id="crawl-max-pages" type="number" min={1} value={form.crawl.maxPages} onChange={(e) => updateCrawl({ maxPages: e.target.value })} />
                </Field>
                <Field label="Max depth" htmlFor="crawl-max-depth">
                  <input id="crawl-max-depth" type="number" min={0} value={form.crawl.maxDepth} onChange={(e) => updateCrawl({ maxDepth: e.target.value })} />
                </Field>
                <Field label="Only URLs matching (regex per line)" htmlFor="crawl-include">
                  <textarea id="crawl-include" rows={2} value={form.crawl.include} onChange={(e) => updateCrawl({ include: e.target.value })} />
                </Field>
                <Field label="Skip URLs matching (regex per line)" htmlFor="crawl-exclude">
                  <textarea id="crawl-exclude" rows={2} value={form.crawl.exclude} onChange={(e) => updateCrawl({ exclude: e.target.value })} />
                </Field>
                <label className="check">
                  <input type="checkbox" checked={form.crawl.sameDomain} onChange={(e) => updateCrawl({ sameDomain: e.target.checked })} /> Stay on the same domain
                </label>
              </div>
            )}
          </details>
        )}

        <details className="panel">
          <summary>Options and extra formats</summary>
          <div className="grid-2">
            <Field label="Job name (optional)" htmlFor="job-name" hint="Find runs by name; pipelines read the latest run of a name.">
              <input id="job-name" value={form.name} placeholder="daily-prices" onChange={(e) => update({ name: e.target.value })} />
            </Field>
            <Field label="Timeout per request (s)" htmlFor="timeout">
              <input id="timeout" type="number" min={1} placeholder="30" value={form.timeoutS} onChange={(e) => update({ timeoutS: e.target.value })} />
            </Field>
            <Field label="Delay between requests (ms)" htmlFor="delay">
              <input id="delay" type="number" min={0} placeholder="0" value={form.delayMs} onChange={(e) => update({ delayMs: e.target.value })} />
            </Field>
            {form.strategy !== "static" && (
              <Field label="Wait for selector (browser)" htmlFor="wait-for">
                <input id="wait-for" placeholder=".price" value={form.waitFor} onChange={(e) => update({ waitFor: e.target.value })} />
              </Field>
            )}
            <label className="check">
              <input type="checkbox" checked={form.respectRobots} onChange={(e) => update({ respectRobots: e.target.checked })} /> Obey robots.txt
            </label>
          </div>
          <fieldset className="formats">
            <legend>Also return</legend>
            {EXTRA_FORMATS.map((f) => (
              <label key={f} className="check">
                <input
                  type="checkbox"
                  checked={form.formats.includes(f)}
                  onChange={(e) => update({ formats: e.target.checked ? [...form.formats, f] : form.formats.filter((x) => x !== f) })}
                />{" "}
                {f}
              </label>
            ))}
          </fieldset>
        </details>

        <ErrorMessage error={error} />

        <div className="actions sticky-actions">
          <button type="button" onClick={runPreview} disabled={busy !== null || (form.mode === "page" && !form.url)}>
            {busy === "preview" ? "Running preview…" : "Preview"}
          </button>
          <button type="submit" className="primary" disabled={busy !== null}>
            {busy === "submit" ? "Queuing…" : form.mode === "batch" ? "Start batch" : "Start scrape"}
          </button>
        </div>
      </form>

      {preview && (
        <section className="preview" aria-labelledby="preview-title" data-testid="preview">
          <h2 id="preview-title">Preview</h2>
          {preview.created && (
            <Notice kind="warn">
              The preview is still {preview.created.status} after {PREVIEW_WAIT_S} s; <Link to={`/jobs/${preview.created.job_id}`}>follow it on its job page</Link>.
            </Notice>
          )}
          {previewJob && (
            <p>
              <StatusBadge status={previewJob.status} /> <Link to={`/jobs/${previewJob.job_id}`}>preview job {previewJob.job_id.slice(0, 8)}</Link>
            </p>
          )}
          {previewJob?.error && (
            <div className="alert alert-error" role="alert">
              <code className="error-code">{previewJob.error.code}</code> {previewJob.error.message}
            </div>
          )}
          {previewPage && previewPage.missing_fields.length > 0 && (
            <Notice kind="warn">
              Not found on the page: {previewPage.missing_fields.join(", ")}. {previewPage.message ?? ""}
            </Notice>
          )}
          {previewJob?.status === "completed" &&
            (preview.rows.length ? (
              <>
                <p className="muted small">
                  First {preview.rows.length} of {preview.total} record{preview.total === 1 ? "" : "s"}:
                </p>
                <RowsTable rows={preview.rows} columns={columnsFor(preview.rows, schemaFields)} caption="Preview records" />
              </>
            ) : (
              <p className="empty">The preview found no records.</p>
            ))}
        </section>
      )}
    </section>
  );
}
