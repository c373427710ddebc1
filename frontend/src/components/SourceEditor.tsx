/** Where a pipeline's rows come from: a finished job, the latest run of a name, an upload, rows, a URL. */

import { useEffect, useState } from "react";
import { listJobs, uploadFile } from "../api/endpoints";
import type { Job } from "../api/types";
import { formatAge } from "../lib/format";
import { CodecInput, formatJson, parseJson } from "./CodecInput";
import { ErrorMessage } from "./common";

type Source = Record<string, unknown>;

const TYPES: Array<[string, string]> = [
  ["job", "Records of a finished job"],
  ["latest", "Latest completed run of a name"],
  ["upload", "Uploaded file"],
  ["inline", "Rows typed here (JSON)"],
  ["url", "File at a URL"],
];
const FILE_FORMATS = ["csv", "json", "jsonl", "xlsx", "parquet"];

function JobPicker({ value, onPick }: { value: string; onPick: (id: string) => void }) {
  const [jobs, setJobs] = useState<Job[]>([]);
  useEffect(() => {
    const controller = new AbortController();
    listJobs({ status: "completed", limit: 50 }, controller.signal)
      .then((page) => setJobs(page.items.filter((j) => j.type !== "pipeline.preview")))
      .catch(() => setJobs([]));
    return () => controller.abort();
  }, []);
  return (
    <select aria-label="Pick a finished job" value={jobs.some((j) => j.job_id === value) ? value : ""} onChange={(e) => e.target.value && onPick(e.target.value)}>
      <option value="">{jobs.length ? "Pick a finished job…" : "No finished jobs yet"}</option>
      {jobs.map((j) => (
        <option key={j.job_id} value={j.job_id}>
          {(j.name ? `${j.name}: ` : "") + (j.label ?? j.job_id)} ({formatAge(j.created_at)})
        </option>
      ))}
    </select>
  );
}

export function SourceEditor({ source, onChange }: { source: Source; onChange: (s: Source) => void }) {
  const type = String(source.type ?? "job");
  const [uploading, setUploading] = useState(false);
  const [uploadError, setUploadError] = useState<unknown>(null);
  const set = (patch: Source) => onChange({ ...source, ...patch });

  async function upload(file: File | undefined) {
    if (!file) return;
    setUploading(true);
    setUploadError(null);
    try {
      const saved = await uploadFile(file);
      onChange({ type: "upload", upload_id: saved.upload_id });
    } catch (e) {
      setUploadError(e);
    } finally {
      setUploading(false);
    }
  }

  return (
    <fieldset className="source-editor">
      <legend>Source</legend>
      <div className="field">
        <label htmlFor="source-type">Rows come from</label>
        <select
          id="source-type"
          value={type}
          onChange={(e) => {
            const next = e.target.value;
            onChange(next === "inline" ? { type: next, records: [] } : { type: next });
          }}
        >
          {TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {type === "job" && (
        <div className="grid-2">
          <div className="field">
            <label htmlFor="source-job">Job id</label>
            <input id="source-job" value={String(source.job_id ?? "")} onChange={(e) => set({ job_id: e.target.value.trim() })} placeholder="job id" />
          </div>
          <div className="field">
            <span className="label">or pick one</span>
            <JobPicker value={String(source.job_id ?? "")} onPick={(id) => set({ job_id: id })} />
          </div>
        </div>
      )}
      {type === "latest" && (
        <div className="field">
          <label htmlFor="source-name">Job name</label>
          <input id="source-name" value={String(source.name ?? "")} onChange={(e) => set({ name: e.target.value })} placeholder="daily-prices" />
          <p className="hint">The newest completed scrape, schedule run or pipeline run with this name.</p>
        </div>
      )}
      {type === "upload" && (
        <div className="field">
          <label htmlFor="source-file">File (CSV, JSON, JSONL, XLSX, Parquet)</label>
          <input id="source-file" type="file" accept=".csv,.json,.jsonl,.ndjson,.xlsx,.parquet" onChange={(e) => upload(e.target.files?.[0])} disabled={uploading} />
          <p className="hint">{uploading ? "Uploading…" : source.upload_id ? `Uploaded: ${String(source.upload_id)}` : "The file is stored on the server and read when the pipeline runs."}</p>
          <ErrorMessage error={uploadError} title="Upload failed" />
        </div>
      )}
      {type === "inline" && (
        <div className="field">
          <label htmlFor="source-records">Rows (a JSON list of objects)</label>
          <CodecInput
            id="source-records"
            label="Rows (a JSON list of objects)"
            value={source.records}
            parse={(t) => {
              const v = parseJson(t);
              if (v !== undefined && !Array.isArray(v)) throw new Error("Give a JSON list: [{...}, {...}]");
              return v ?? [];
            }}
            format={formatJson}
            onChange={(records) => set({ records })}
            multiline
            rows={6}
            className="code"
            placeholder='[{"title": "A", "price": "1,50"}]'
          />
        </div>
      )}
      {type === "url" && (
        <div className="grid-2">
          <div className="field">
            <label htmlFor="source-url">URL</label>
            <input id="source-url" type="url" value={String(source.url ?? "")} onChange={(e) => set({ url: e.target.value })} placeholder="https://data.example/prices.csv" />
          </div>
          <div className="field">
            <label htmlFor="source-format">Format</label>
            <select id="source-format" value={String(source.format ?? "")} onChange={(e) => set({ format: e.target.value || undefined })}>
              <option value="">guess</option>
              {FILE_FORMATS.map((f) => (
                <option key={f}>{f}</option>
              ))}
            </select>
          </div>
        </div>
      )}
    </fieldset>
  );
}
