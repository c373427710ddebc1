/** Pipeline editor: source, ordered steps from the op list, output; save, preview, run, run history. */

import { useEffect, useState } from "react";
import { deletePipeline, getJob, getPipeline, jobRecords, listJobs, previewPipeline, runPipeline, savePipeline } from "../api/endpoints";
import { jobRequest, pipelineDefinition, resultOf, type Job, type JobPage, type Loose, type PipelineSpec } from "../api/types";
import { CodecInput, formatJson, parseJson } from "../components/CodecInput";
import { CardTable, ErrorMessage, Loading, Notice, StatusBadge } from "../components/common";
import { PipelineReport } from "../components/PipelineReport";
import { RowsTable } from "../components/RecordsTable";
import { SourceEditor } from "../components/SourceEditor";
import { StepEditor } from "../components/StepEditor";
import { formatAge, formatNumber, formatTime, jobDuration } from "../lib/format";
import { anyUnfinished } from "../lib/jobs";
import { OUTPUT_FORMATS, definitionOf, draftFromDefinition, emptyPipelineDraft, type OutputFile, type PipelineDraft } from "../lib/pipelineDraft";
import { OPS, newStep } from "../lib/pipelineOps";
import { columnsFor, recordRow } from "../lib/records";
import { Link, navigate, useLocation } from "../lib/router";
import { usePolling } from "../lib/usePolling";

const HISTORY_LIMIT = 100;

function RunHistory({ name, version }: { name: string; version: number }) {
  // Runs of a pipeline carry its name (the API names them after it), so the list filters by name.
  const polled = usePolling<JobPage>(
    (signal) => (name ? listJobs({ type: "pipeline.run", name, limit: HISTORY_LIMIT }, signal) : Promise.resolve({ items: [], next_cursor: null })),
    (page) => anyUnfinished(page.items),
    [name, version],
  );
  if (!name) return null;
  const runs = polled.data ? polled.data.items : null;
  const latest = runs?.find((r) => r.status === "completed" || r.status === "failed");
  const latestReport = latest ? resultOf(latest, "pipeline.run") : null;
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">Runs</h2>
      {polled.error ? <ErrorMessage error={polled.error} title="Runs could not be loaded" /> : null}
      {!runs && !polled.error && <Loading what="Loading runs" />}
      {runs && runs.length === 0 && <p className="empty">No runs yet.</p>}
      {runs && runs.length > 0 && (
        <CardTable columns={["Status", "Started", "Duration", "Rows", "Job"]} testId="pipeline-runs">
          {runs.slice(0, 20).map((r) => (
            <tr key={r.job_id}>
              <td data-label="Status">
                <StatusBadge status={r.status} />
              </td>
              <td data-label="Started" title={formatTime(r.created_at)}>
                {formatAge(r.created_at)}
              </td>
              <td data-label="Duration">{jobDuration(r.started_at, r.finished_at)}</td>
              <td data-label="Rows">{r.status === "completed" ? formatNumber(resultOf(r, "pipeline.run")?.rows) : r.error?.code ?? ""}</td>
              <td data-label="Job">
                <Link to={`/jobs/${r.job_id}`}>{r.job_id.slice(0, 8)}</Link>
              </td>
            </tr>
          ))}
        </CardTable>
      )}
      {latest && (
        <div className="latest-report">
          <h3>
            Latest report <span className="muted small">({formatAge(latest.finished_at)})</span>
          </h3>
          {latest.error && (
            <div className="alert alert-error" role="alert">
              <code className="error-code">{latest.error.code}</code> {latest.error.message}
            </div>
          )}
          {latestReport && <PipelineReport result={latestReport} />}
        </div>
      )}
    </section>
  );
}

interface PreviewAnswer {
  job: Job | null;
  rows: Loose[];
}

export function PipelineEditorPage({ id }: { id: string | null }) {
  const { query } = useLocation();
  const from = query.get("from");
  const [draft, setDraft] = useState<PipelineDraft>(emptyPipelineDraft);
  const [loaded, setLoaded] = useState(id === null);
  const [dirty, setDirty] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [runs, setRuns] = useState(0);
  const [lastRun, setLastRun] = useState<string | null>(null);
  const [preview, setPreview] = useState<PreviewAnswer | null>(null);
  const [addOp, setAddOp] = useState("");
  // Runs are found by the name they ran under, not by what is being typed.
  const [historyName, setHistoryName] = useState("");

  useEffect(() => {
    setError(null);
    if (id) {
      setLoaded(false);
      getPipeline(id)
        .then((p) => {
          setDraft(draftFromDefinition(pipelineDefinition(p), p.name));
          setHistoryName(p.name);
          setDraft((d) => ({ ...d, description: p.description ?? d.description }));
          setLoaded(true);
          setDirty(false);
        })
        .catch(setError);
    } else if (from) {
      getJob(from, null)
        .then((answer) => {
          const request = answer ? jobRequest(answer.body) : null;
          if (request?.path === "/api/pipeline/run" && request.body.pipeline) setDraft(draftFromDefinition(request.body.pipeline));
        })
        .catch(setError);
    }
  }, [id, from]);

  const change = (next: PipelineDraft) => {
    setDraft(next);
    setDirty(true);
  };
  const definition = definitionOf(draft);

  async function act(label: string, action: () => Promise<void>) {
    setBusy(label);
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  }

  const save = () =>
    act("save", async () => {
      const saved = await savePipeline({ ...definition, name: draft.name.trim() }, id ?? undefined);
      setDirty(false);
      setHistoryName(saved.name);
      setNotice(`Saved “${saved.name}”.`);
      if (!id) navigate(`/pipelines/${encodeURIComponent(saved.pipeline_id)}`, { replace: true });
    });

  const run = () =>
    act("run", async () => {
      // A saved, unchanged pipeline runs by id (its runs are grouped under it); anything else inline.
      const created = await runPipeline(id && !dirty ? { pipeline_id: id } : { pipeline: definition });
      setLastRun(created.job_id);
      setHistoryName(draft.name.trim());
      setRuns((n) => n + 1);
    });

  const runPreview = () =>
    act("preview", async () => {
      setPreview(null);
      const answer = await previewPipeline(definition);
      // 200 with the finished job, or 202 while it is still running after the wait.
      const job = "type" in answer ? answer : null;
      let rows = (job && resultOf(job, "pipeline.preview")?.preview_rows) || [];
      if (job && job.status === "completed" && rows.length === 0) rows = (await jobRecords(job.job_id, 0, 20)).items;
      setPreview({ job, rows });
    });

  const remove = () =>
    act("delete", async () => {
      if (!id || !window.confirm(`Delete the pipeline “${draft.name}”?`)) return;
      await deletePipeline(id);
      navigate("/pipelines");
    });

  if (id && !loaded) return error ? <ErrorMessage error={error} title="The pipeline could not be loaded" /> : <Loading what="Loading pipeline" />;

  const output = draft.output;
  const previewRows = preview ? preview.rows.map(recordRow) : [];
  const previewReport = preview?.job ? resultOf(preview.job, "pipeline.preview") : null;

  return (
    <section aria-labelledby="pipeline-title" className="pipeline-editor">
      <p className="crumbs">
        <Link to="/pipelines">← Pipelines</Link>
      </p>
      <h1 id="pipeline-title">{id ? `Pipeline “${draft.name}”` : "New pipeline"}</h1>

      <div className="grid-2">
        <div className="field">
          <label htmlFor="pipeline-name">Name</label>
          <input id="pipeline-name" value={draft.name} required placeholder="daily-prices" onChange={(e) => change({ ...draft, name: e.target.value })} />
          <p className="hint">Unique; letters, digits, space, . _ : -</p>
        </div>
        <div className="field">
          <label htmlFor="pipeline-description">Description</label>
          <input id="pipeline-description" value={draft.description} onChange={(e) => change({ ...draft, description: e.target.value })} />
        </div>
      </div>

      <SourceEditor source={draft.source} onChange={(source) => change({ ...draft, source })} />

      <fieldset className="steps">
        <legend>Steps, in order</legend>
        {draft.steps.length === 0 && <p className="empty">No steps: the rows go to the output unchanged.</p>}
        <ol className="step-list">
          {draft.steps.map((step, i) => (
            <StepEditor
              key={i}
              step={step}
              index={i}
              count={draft.steps.length}
              onChange={(s) => change({ ...draft, steps: draft.steps.map((x, j) => (j === i ? s : x)) })}
              onRemove={() => change({ ...draft, steps: draft.steps.filter((_, j) => j !== i) })}
              onMove={(delta) => {
                const steps = [...draft.steps];
                const [moved] = steps.splice(i, 1);
                steps.splice(i + delta, 0, moved!);
                change({ ...draft, steps });
              }}
            />
          ))}
        </ol>
        <div className="add-step">
          <label htmlFor="add-step">Add a step</label>
          <select id="add-step" value={addOp} onChange={(e) => setAddOp(e.target.value)}>
            <option value="">Choose an operation…</option>
            {OPS.map((o) => (
              <option key={o.op} value={o.op}>
                {o.title} ({o.op})
              </option>
            ))}
          </select>
          <button
            type="button"
            disabled={!addOp}
            onClick={() => {
              change({ ...draft, steps: [...draft.steps, newStep(addOp)] });
              setAddOp("");
            }}
          >
            Add step
          </button>
        </div>
      </fieldset>

      <fieldset className="output">
        <legend>Output</legend>
        {Array.isArray(output) ? (
          <CodecInput
            label="Outputs (JSON list)"
            value={output}
            parse={(t) => (parseJson(t) as OutputFile[] | null) ?? []}
            format={formatJson}
            onChange={(o) => change({ ...draft, output: o })}
            multiline
            className="code"
          />
        ) : (
          <div className="grid-2">
            <div className="field">
              <label htmlFor="output-format">File format</label>
              <select id="output-format" value={output.format} onChange={(e) => change({ ...draft, output: { ...output, format: OUTPUT_FORMATS.find((f) => f === e.target.value) ?? "" } })}>
                <option value="">No file (records on the job only)</option>
                {OUTPUT_FORMATS.map((f) => (
                  <option key={f} value={f}>
                    {f.toUpperCase()}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor="output-name">File name</label>
              <input id="output-name" value={output.name} placeholder={draft.name || "export"} onChange={(e) => change({ ...draft, output: { ...output, name: e.target.value } })} />
              <p className="hint">Without extension; the pipeline’s name when empty.</p>
            </div>
          </div>
        )}
      </fieldset>

      <details className="json">
        <summary>Definition as JSON</summary>
        <CodecInput
          label="Pipeline definition as JSON"
          value={definition}
          parse={(t) => {
            const v = parseJson(t);
            if (!v || typeof v !== "object" || Array.isArray(v)) throw new Error("A pipeline is a JSON object.");
            return v as PipelineSpec;
          }}
          format={formatJson}
          onChange={(d) => change(draftFromDefinition(d, d.name ?? draft.name))}
          multiline
          rows={12}
          className="code"
        />
      </details>

      <ErrorMessage error={error} />
      {notice && <Notice kind="ok">{notice}</Notice>}
      {lastRun && (
        <Notice kind="ok">
          Run started: <Link to={`/jobs/${lastRun}`}>open job {lastRun.slice(0, 8)}</Link>
        </Notice>
      )}

      <div className="actions sticky-actions">
        <button type="button" className="primary" onClick={save} disabled={busy !== null || (id !== null && !dirty)}>
          {busy === "save" ? "Saving…" : id ? (dirty ? "Save changes" : "Saved") : "Save pipeline"}
        </button>
        <button type="button" onClick={runPreview} disabled={busy !== null}>
          {busy === "preview" ? "Previewing…" : "Preview"}
        </button>
        <button type="button" onClick={run} disabled={busy !== null}>
          {busy === "run" ? "Starting…" : id && !dirty ? "Run" : "Run (unsaved)"}
        </button>
        {id && (
          <button type="button" className="danger" onClick={remove} disabled={busy !== null}>
            Delete
          </button>
        )}
      </div>

      {preview && (
        <section aria-labelledby="pp-title" className="preview" data-testid="pipeline-preview">
          <h2 id="pp-title">Preview</h2>
          {preview.job && (
            <p>
              <StatusBadge status={preview.job.status} /> <Link to={`/jobs/${preview.job.job_id}`}>preview job</Link>
            </p>
          )}
          {preview.job?.error && (
            <div className="alert alert-error" role="alert">
              <code className="error-code">{preview.job.error.code}</code> {preview.job.error.message}
            </div>
          )}
          {previewReport && <PipelineReport result={previewReport} />}
          {previewRows.length > 0 ? <RowsTable rows={previewRows} columns={columnsFor(previewRows)} caption="Preview rows" /> : <p className="empty">No rows.</p>}
        </section>
      )}

      <RunHistory name={historyName} version={runs} />
    </section>
  );
}
