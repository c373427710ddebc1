/** Shapes of the API's answers (see the OpenAPI document at /docs). */

export type JobStatus = "queued" | "running" | "completed" | "failed" | "cancelled";

export const JOB_STATUSES: JobStatus[] = ["queued", "running", "completed", "failed", "cancelled"];
export const UNFINISHED: ReadonlySet<string> = new Set(["queued", "running"]);

export interface JobError {
  code: string;
  message: string | null;
}

export interface WebhookDelivery {
  delivery_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
  at: string | null;
}

export interface Job {
  job_id: string;
  type: string;
  status: JobStatus;
  name: string | null;
  label: string | null;
  priority?: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  attempts: number;
  max_attempts: number;
  cancel_requested: boolean;
  progress: Record<string, unknown> | null;
  error: JobError | null;
  retry_at?: string | null;
  parent_id?: string | null;
  schedule_id?: string | null;
  result?: Record<string, unknown> | null;
  request?: Record<string, unknown> | null;
  webhook?: { url: string; events: string[]; deliveries?: WebhookDelivery[] } | null;
}

export interface JobPage {
  items: Job[];
  next_cursor: string | null;
}

export interface RecordPage {
  total: number;
  offset: number;
  limit: number;
  items: unknown[];
}

export interface JobCreated {
  job_id: string;
  status: string;
}

export interface WorkerInfo {
  id: string;
  hostname: string;
  pid: number;
  concurrency: number;
  running: number;
  version: string;
  started_at: string | null;
  last_heartbeat: string | null;
  /** Per kind of work: "ok" or why this worker cannot run it; null while it is still checking. */
  capabilities?: Record<string, string> | null;
}

/** One kind of work (scrape.static, scrape.browser, pipeline, ...) over the live workers. */
export interface KindHealth {
  status: "ok" | "partial" | "unavailable";
  available: number;
  unavailable: number;
  checking: number;
  reason?: string;
}

export interface Health {
  status: string;
  version: string;
  database: { status: string; dialect: string };
  /** `items` only with the API key (or when none is configured): without it, counts only. */
  workers?: { alive: number; slots?: number; running?: number; items?: WorkerInfo[] };
  capabilities?: Record<string, KindHealth>;
  /** One line per kind some live worker cannot run: "browser unavailable: <reason>". */
  problems?: string[];
  queue?: Record<JobStatus, number>;
  limits?: { max_queued_jobs: number };
}

export interface PipelineDefinition {
  name?: string;
  description?: string | null;
  source?: Record<string, unknown>;
  steps?: Array<Record<string, unknown> & { op: string }>;
  output?: Record<string, unknown> | Record<string, unknown>[] | null;
  [key: string]: unknown;
}

/** A saved pipeline (`pipeline_id` in the API; `id` here). */
export interface Pipeline {
  id: string;
  name: string;
  description?: string | null;
  definition: PipelineDefinition;
  created_at?: string;
  updated_at?: string;
}

export interface ExportFile {
  id: string;
  name: string;
  format?: string;
  size_bytes?: number;
  rows?: number | null;
  created_at?: string;
  job_id?: string | null;
  [key: string]: unknown;
}
