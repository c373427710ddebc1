/** One function per API call the screens make. */

import { api, getIfChanged, type Query } from "./client";
import type { ExportFile, Health, Job, JobCreated, JobPage, Pipeline, RecordPage } from "./types";

/** Collections come as `{"items": [...]}`; a bare list is accepted too. */
function itemsOf<T>(body: unknown): T[] {
  if (Array.isArray(body)) return body as T[];
  const items = (body as { items?: unknown } | null)?.items;
  return Array.isArray(items) ? (items as T[]) : [];
}

/** Saved things are named by `id`; accept `<kind>_id` as well. */
function withId<T extends { id: string }>(item: T, alt: string): T {
  const record = item as unknown as Record<string, unknown>;
  return record.id === undefined && record[alt] !== undefined ? { ...item, id: String(record[alt]) } : item;
}

export async function getHealth(signal?: AbortSignal): Promise<Health> {
  const response = await fetch("/health", { signal, cache: "no-store", headers: { Accept: "application/json" } });
  // 503 still carries the body that says what is wrong.
  if (!response.ok && response.status !== 503) throw new Error(`/health answered ${response.status}`);
  return (await response.json()) as Health;
}

export interface JobFilters {
  status?: string;
  type?: string;
  name?: string;
}

export function listJobs(filters: JobFilters & { limit?: number; cursor?: string | null }, signal?: AbortSignal): Promise<JobPage> {
  return api<JobPage>("/api/jobs", { query: filters as Query, signal });
}

export function getJob(id: string, etag: string | null, signal?: AbortSignal) {
  return getIfChanged<Job>(`/api/jobs/${encodeURIComponent(id)}`, etag, signal);
}

export function cancelJob(id: string): Promise<Job> {
  return api<Job>(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
}

export function retryJob(id: string): Promise<Job> {
  return api<Job>(`/api/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" });
}

export function deleteJob(id: string): Promise<void> {
  return api<void>(`/api/jobs/${encodeURIComponent(id)}`, { method: "DELETE" });
}

export function jobRecords(id: string, offset: number, limit: number, signal?: AbortSignal): Promise<RecordPage> {
  return api<RecordPage>(`/api/jobs/${encodeURIComponent(id)}/results`, { query: { offset, limit }, signal });
}

export function jobDownloadPath(id: string, format: string): string {
  return `/api/jobs/${encodeURIComponent(id)}/results?format=${format}`;
}

/** POST /api/scrape: 202 `{job_id, status}`, or with `wait` seconds 200 and the finished job. */
export function createScrape(request: Record<string, unknown>, wait?: number): Promise<JobCreated | Job> {
  return api<JobCreated | Job>("/api/scrape", { method: "POST", body: request, query: { wait } });
}

export function runPipeline(request: Record<string, unknown>): Promise<JobCreated> {
  return api<JobCreated>("/api/pipeline/run", { method: "POST", body: request });
}

export async function listPipelines(signal?: AbortSignal): Promise<Pipeline[]> {
  return itemsOf<Pipeline>(await api<unknown>("/api/pipelines", { signal })).map((p) => withId(p, "pipeline_id"));
}

export async function getPipeline(id: string): Promise<Pipeline> {
  return withId(await api<Pipeline>(`/api/pipelines/${encodeURIComponent(id)}`), "pipeline_id");
}

export async function savePipeline(definition: Record<string, unknown>, id?: string): Promise<Pipeline> {
  const saved = id
    ? await api<Pipeline>(`/api/pipelines/${encodeURIComponent(id)}`, { method: "PUT", body: definition })
    : await api<Pipeline>("/api/pipelines", { method: "POST", body: definition });
  return withId(saved, "pipeline_id");
}

export function deletePipeline(id: string): Promise<void> {
  return api<void>(`/api/pipelines/${encodeURIComponent(id)}`, { method: "DELETE" });
}

/** POST /api/pipelines/preview: the steps run on the first rows of the source, by a worker. */
export function previewPipeline(pipeline: Record<string, unknown>, wait = 30): Promise<unknown> {
  return api<unknown>("/api/pipelines/preview", { method: "POST", body: { pipeline }, query: { wait } });
}

export interface Upload {
  upload_id: string;
  filename?: string;
  format?: string;
  size_bytes?: number;
}

/** POST /api/uploads (multipart, field `file`): a file a pipeline can read as its source. */
export function uploadFile(file: File): Promise<Upload> {
  const form = new FormData();
  form.append("file", file);
  return api<Upload>("/api/uploads", { method: "POST", body: form });
}

export async function listExports(signal?: AbortSignal): Promise<ExportFile[]> {
  return itemsOf<ExportFile>(await api<unknown>("/api/exports", { signal })).map((e) => withId(e, "export_id"));
}

export function exportDownloadPath(id: string): string {
  return `/api/exports/${encodeURIComponent(id)}/download`;
}

export function deleteExport(id: string): Promise<void> {
  return api<void>(`/api/exports/${encodeURIComponent(id)}`, { method: "DELETE" });
}
