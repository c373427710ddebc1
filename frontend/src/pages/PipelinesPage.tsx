/** Saved pipelines: list, run, delete; the editor is one click away. */

import { useState } from "react";
import { deletePipeline, listPipelines, runPipeline } from "../api/endpoints";
import { pipelineDefinition, type Pipeline, type PipelineSource, type PipelineSpec } from "../api/types";
import { CardTable, Empty, ErrorMessage, Loading, Notice } from "../components/common";
import { formatAge, formatTime } from "../lib/format";
import { Link } from "../lib/router";
import { usePolling } from "../lib/usePolling";

export function describeSource(source: PipelineSource | null | undefined): string {
  if (!source) return "given at run time";
  switch (source.type) {
    case "job":
      return `job ${source.job_id.slice(0, 8)}`;
    case "latest":
      return `latest “${source.name}”`;
    case "upload":
      return "uploaded file";
    case "inline":
      return `${source.records.length} inline rows`;
    case "url":
      return source.url;
  }
}

function describeOutput(output: PipelineSpec["output"]): string {
  if (Array.isArray(output)) return output.map((o) => o.format).join(", ");
  return output ? output.format : "records only";
}

export function PipelinesPage() {
  const polled = usePolling<Pipeline[]>(listPipelines, () => false, []);
  const [notice, setNotice] = useState<{ id: string; name: string } | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(pipeline: Pipeline) {
    setError(null);
    try {
      const created = await runPipeline({ pipeline_id: pipeline.pipeline_id });
      setNotice({ id: created.job_id, name: pipeline.name });
    } catch (e) {
      setError(e);
    }
  }

  async function remove(pipeline: Pipeline) {
    if (!window.confirm(`Delete the pipeline “${pipeline.name}”? Its past runs and exports stay.`)) return;
    try {
      await deletePipeline(pipeline.pipeline_id);
      polled.refresh();
    } catch (e) {
      setError(e);
    }
  }

  const pipelines = polled.data;
  return (
    <section aria-labelledby="pipelines-title">
      <div className="page-head">
        <h1 id="pipelines-title">Pipelines</h1>
        <Link to="/pipelines/new" className="button primary">
          New pipeline
        </Link>
      </div>
      <p className="muted">Saved clean-ups: a source, ordered steps, an output file. Each run is a job.</p>
      {notice && (
        <Notice kind="ok">
          Running “{notice.name}”: <Link to={`/jobs/${notice.id}`}>open the run</Link>
        </Notice>
      )}
      <ErrorMessage error={error} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Pipelines could not be loaded" /> : null}
      {!pipelines && !polled.error && <Loading what="Loading pipelines" />}
      {pipelines && pipelines.length === 0 && (
        <Empty>
          No saved pipelines yet. <Link to="/pipelines/new">Create one</Link>.
        </Empty>
      )}
      {pipelines && pipelines.length > 0 && (
        <CardTable columns={["Name", "Source", "Steps", "Output", "Updated"]} testId="pipelines-table" actions>
          {pipelines.map((p) => {
            const definition = pipelineDefinition(p);
            return (
              <tr key={p.pipeline_id}>
                <td data-label="Name">
                  <Link to={`/pipelines/${p.pipeline_id}`}>{p.name}</Link>
                  {p.description && <span className="muted small">{p.description}</span>}
                </td>
                <td data-label="Source">{describeSource(definition.source)}</td>
                <td data-label="Steps">
                  {(definition.steps ?? []).map((s) => s.op).join(" → ") || "none"}
                </td>
                <td data-label="Output">{describeOutput(definition.output)}</td>
                <td data-label="Updated" title={formatTime(p.updated_at)}>
                  {formatAge(p.updated_at)}
                </td>
                <td>
                  <div className="row-actions">
                    <button type="button" onClick={() => run(p)} aria-label={`Run ${p.name}`}>
                      Run
                    </button>
                    <button type="button" className="danger" onClick={() => remove(p)} aria-label={`Delete ${p.name}`}>
                      Delete
                    </button>
                  </div>
                </td>
              </tr>
            );
          })}
        </CardTable>
      )}
    </section>
  );
}
