/** One function per API call the screens make, each through the generated client. */

import type { paths } from "../client/schema";
import { client, etagHeaders, ifChanged, ok, saveDownload } from "./client";
import { type ApiKey, type ApiKeyCreated, type ApiKeyIn, type BatchRequest, type Caller, type Health, type Job, type JobCreated, type MapRequest, type MonitorIn, type PipelineIn, type PipelineRunRequest, type PipelineSpec, type ScrapeRequest, type Session, type SessionIn } from "./types";

type QueryOf<P extends keyof paths, M extends keyof paths[P]> = paths[P][M] extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type JobFilters = QueryOf<"/api/jobs", "get">;
export type RecordFormat = NonNullable<QueryOf<"/api/jobs/{job_id}/results", "get">["format"]>;

export async function getHealth(signal?: AbortSignal): Promise<Health> {
  const { data, error, response } = await client.GET("/health", { signal });
  // 503 still carries the body that says what is wrong.
  if (response.status === 503 && error) return error;
  if (!data) throw new Error(`/health answered ${response.status}`);
  return data;
}

export function listJobs(query: JobFilters, signal?: AbortSignal) {
  return ok(client.GET("/api/jobs", { params: { query }, signal }));
}

/** The job, or `null` while it is unchanged since `etag` (304): what the job page polls every 2 s. */
export function getJob(id: string, etag: string | null, signal?: AbortSignal) {
  return ifChanged(client.GET("/api/jobs/{job_id}", { params: { path: { job_id: id } }, headers: etagHeaders(etag), signal }));
}

/** The job's request as queued, whole: a batch's every URL (the job body shows the first few). */
export function getJobRequest(id: string, signal?: AbortSignal) {
  return ok(client.GET("/api/jobs/{job_id}/request", { params: { path: { job_id: id } }, signal }));
}

export function cancelJob(id: string) {
  return ok(client.POST("/api/jobs/{job_id}/cancel", { params: { path: { job_id: id } } }));
}

export function pauseJob(id: string) {
  return ok(client.POST("/api/jobs/{job_id}/pause", { params: { path: { job_id: id } } }));
}

export function resumeJob(id: string) {
  return ok(client.POST("/api/jobs/{job_id}/resume", { params: { path: { job_id: id } } }));
}

export function retryJob(id: string) {
  return ok(client.POST("/api/jobs/{job_id}/retry", { params: { path: { job_id: id } } }));
}

export function deleteJob(id: string) {
  return ok(client.DELETE("/api/jobs/{job_id}", { params: { path: { job_id: id } } }));
}

export async function jobRecords(id: string, offset: number, limit: number, signal?: AbortSignal) {
  const page = await ok(client.GET("/api/jobs/{job_id}/results", { params: { path: { job_id: id }, query: { offset, limit } }, signal }));
  // Without `format` the API answers with a page; a bare list is its JSON download.
  if (Array.isArray(page)) throw new Error("The API answered with a list where a page of records was expected.");
  return page;
}

export function downloadJobRecords(id: string, format: RecordFormat, fallbackName: string) {
  const pending = client.GET("/api/jobs/{job_id}/results", {
    params: { path: { job_id: id }, query: { format } },
    headers: { Accept: "*/*" },
    parseAs: "blob",
  });
  return saveDownload(pending, fallbackName);
}

/** A file the job wrote (a screenshot, a PDF) as a Blob, fetched through the client so the API key goes along. */
export function jobFile(id: string, name: string, signal?: AbortSignal) {
  return ok(
    client.GET("/api/jobs/{job_id}/files/{name}", {
      params: { path: { job_id: id, name } },
      headers: { Accept: "*/*" },
      parseAs: "blob",
      signal,
    }),
  );
}

export function downloadJobFile(id: string, name: string) {
  const pending = client.GET("/api/jobs/{job_id}/files/{name}", {
    params: { path: { job_id: id, name } },
    headers: { Accept: "*/*" },
    parseAs: "blob",
  });
  return saveDownload(pending, name);
}

/** POST /api/scrape: 202 `{job_id, status}`, or with `wait` seconds 200 and the finished job. */
export async function createScrape(request: ScrapeRequest, wait?: number): Promise<JobCreated | Job> {
  return ok(client.POST("/api/scrape", { body: request, params: { query: { wait } } }));
}

/** POST /api/scrape/batch: one job that scrapes every URL of the list, a record per URL. */
export async function createBatch(request: BatchRequest, wait?: number): Promise<JobCreated | Job> {
  return ok(client.POST("/api/scrape/batch", { body: request, params: { query: { wait } } }));
}

/** POST /api/map: one job that lists a site's URLs (sitemaps and the start page's links), a record each. */
export async function createMap(request: MapRequest, wait?: number): Promise<JobCreated | Job> {
  return ok(client.POST("/api/map", { body: request, params: { query: { wait } } }));
}

export function runPipeline(request: PipelineRunRequest) {
  return ok(client.POST("/api/pipeline/run", { body: request }));
}

export async function listPipelines(signal?: AbortSignal) {
  return (await ok(client.GET("/api/pipelines", { signal }))).items;
}

export function getPipeline(ref: string) {
  return ok(client.GET("/api/pipelines/{ref}", { params: { path: { ref } } }));
}

/** Create (no `ref`) or replace a saved pipeline; the API wants a name on both. */
export function savePipeline(definition: PipelineIn, ref?: string) {
  return ref
    ? ok(client.PUT("/api/pipelines/{ref}", { params: { path: { ref } }, body: definition }))
    : ok(client.POST("/api/pipelines", { body: definition }));
}

export function deletePipeline(ref: string) {
  return ok(client.DELETE("/api/pipelines/{ref}", { params: { path: { ref } } }));
}

/** POST /api/pipelines/preview: the steps run on the first rows of the source, by a worker. */
export function previewPipeline(pipeline: PipelineSpec, wait = 30): Promise<JobCreated | Job> {
  return ok(client.POST("/api/pipelines/preview", { body: { pipeline }, params: { query: { wait } } }));
}

/** POST /api/uploads (multipart, field `file`): a file a pipeline can read as its source. */
export function uploadFile(file: File) {
  return ok(
    client.POST("/api/uploads", {
      // The document types the file part as a string (its bytes); the browser sends the File itself.
      body: { file: file as unknown as string },
      bodySerializer: (body) => {
        const form = new FormData();
        form.append("file", body.file as unknown as Blob);
        return form;
      },
    }),
  );
}

export async function listExports(signal?: AbortSignal) {
  return (await ok(client.GET("/api/exports", { signal }))).items;
}

export function downloadExport(id: string, fallbackName: string) {
  const pending = client.GET("/api/exports/{export_id}/download", {
    params: { path: { export_id: id } },
    headers: { Accept: "*/*" },
    parseAs: "blob",
  });
  return saveDownload(pending, fallbackName);
}

export function deleteExport(id: string) {
  return ok(client.DELETE("/api/exports/{export_id}", { params: { path: { export_id: id } } }));
}

// --- Monitors ---------------------------------------------------------------------------------------

export type ChangeFilters = QueryOf<"/api/monitors/{ref}/changes", "get">;
export type ChangeFormat = NonNullable<QueryOf<"/api/monitors/{ref}/changes/download", "get">["format"]>;

const monitorPath = (ref: string) => ({ path: { ref } });

export async function listMonitors(signal?: AbortSignal) {
  return (await ok(client.GET("/api/monitors", { signal }))).items;
}

export function getMonitor(ref: string, signal?: AbortSignal) {
  return ok(client.GET("/api/monitors/{ref}", { params: monitorPath(ref), signal }));
}

/** Create (no `ref`) or replace a monitor. */
export function saveMonitor(body: MonitorIn, ref?: string) {
  return ref
    ? ok(client.PUT("/api/monitors/{ref}", { params: monitorPath(ref), body }))
    : ok(client.POST("/api/monitors", { body }));
}

export function deleteMonitor(ref: string) {
  return ok(client.DELETE("/api/monitors/{ref}", { params: monitorPath(ref) }));
}

/** POST /api/monitors/{ref}/check: 202 with the check's scrape job; 409 while the last check runs. */
export function checkMonitor(ref: string) {
  return ok(client.POST("/api/monitors/{ref}/check", { params: monitorPath(ref) }));
}

export function pauseMonitor(ref: string) {
  return ok(client.POST("/api/monitors/{ref}/pause", { params: monitorPath(ref) }));
}

export function resumeMonitor(ref: string) {
  return ok(client.POST("/api/monitors/{ref}/resume", { params: monitorPath(ref) }));
}

export function monitorChanges(ref: string, query: ChangeFilters, signal?: AbortSignal) {
  return ok(client.GET("/api/monitors/{ref}/changes", { params: { ...monitorPath(ref), query }, signal }));
}

export function monitorChecks(ref: string, signal?: AbortSignal) {
  return ok(client.GET("/api/monitors/{ref}/snapshots", { params: monitorPath(ref), signal }));
}

export function monitorSeries(ref: string, field: string, signal?: AbortSignal) {
  return ok(client.GET("/api/monitors/{ref}/series", { params: { ...monitorPath(ref), query: { field } }, signal }));
}

export function downloadMonitorChanges(ref: string, format: ChangeFormat, kinds: ChangeFilters["kind"], fallbackName: string) {
  const pending = client.GET("/api/monitors/{ref}/changes/download", {
    params: { ...monitorPath(ref), query: { format, kind: kinds } },
    headers: { Accept: "*/*" },
    parseAs: "blob",
  });
  return saveDownload(pending, fallbackName);
}

// --- Sessions ---------------------------------------------------------------------------------------

/** Pages of sessions read until the last (a few dozen at most in practice; capped all the same). */
const SESSION_PAGES = 10;

/** Every saved session, newest first. */
export async function listSessions(signal?: AbortSignal): Promise<Session[]> {
  const sessions: Session[] = [];
  let cursor: string | null | undefined = null;
  for (let i = 0; i < SESSION_PAGES; i++) {
    const page: { items: Session[]; next_cursor?: string | null } = await ok(client.GET("/api/sessions", { params: { query: { limit: 200, cursor } }, signal }));
    sessions.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return sessions;
}

/** POST /api/sessions: 201 with the session (never its secrets); 409 without SECRET_KEY. */
export function createSession(body: SessionIn) {
  return ok(client.POST("/api/sessions", { body }));
}

export function deleteSession(ref: string) {
  return ok(client.DELETE("/api/sessions/{ref}", { params: { path: { ref } } }));
}

/** The stored state is dropped: the next job that uses the session logs in first. */
export function loginSessionAgain(ref: string) {
  return ok(client.POST("/api/sessions/{ref}/login", { params: { path: { ref } } }));
}

// --- API keys ---------------------------------------------------------------------------------------

/** The key this browser sends (its name and scope; `open` when the API asks for no key). */
export function whoAmI(signal?: AbortSignal): Promise<Caller> {
  return ok(client.GET("/api/keys/me", { signal }));
}

/** Every key, newest first, revoked ones included (admin). */
export async function listKeys(signal?: AbortSignal): Promise<ApiKey[]> {
  const page = await ok(client.GET("/api/keys", { signal }));
  return page.items;
}

/** POST /api/keys: 201 with the key itself, shown this once. */
export function createKey(body: ApiKeyIn): Promise<ApiKeyCreated> {
  return ok(client.POST("/api/keys", { body }));
}

export function revokeKey(ref: string): Promise<ApiKey> {
  return ok(client.DELETE("/api/keys/{ref}", { params: { path: { ref } } }));
}
