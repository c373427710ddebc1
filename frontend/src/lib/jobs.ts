/** What the job screens share: which jobs need watching, what a job is called, how to run it again. */

import { jobRequest, requestIsCut, type Job, type JobStatus, type Loose } from "../api/types";

// A record, not a list, so the type check fails when the API documents a status this file lacks.
const STATUS_ORDER: Record<JobStatus, number> = { queued: 0, running: 1, paused: 2, completed: 3, failed: 4, cancelled: 5 };
export const JOB_STATUSES = Object.keys(STATUS_ORDER) as JobStatus[];
const UNFINISHED: ReadonlySet<string> = new Set<JobStatus>(["queued", "running"]);

export function isUnfinished(job: Pick<Job, "status">): boolean {
  return UNFINISHED.has(job.status);
}

/** A crawl can be paused while queued or running, and resumed where it stopped. */
export function canPause(job: Pick<Job, "type" | "status" | "cancel_requested" | "pause_requested">): boolean {
  return job.type === "scrape.crawl" && isUnfinished(job) && !job.cancel_requested && !job.pause_requested;
}

export function anyUnfinished(jobs: Array<Pick<Job, "status">>): boolean {
  return jobs.some(isUnfinished);
}

export function jobKind(type: string): string {
  if (type === "scrape.page") return "scrape";
  if (type === "scrape.crawl") return "crawl";
  if (type === "scrape.batch") return "batch";
  if (type === "scrape.map") return "map";
  if (type === "pipeline.run") return "pipeline";
  if (type === "pipeline.preview") return "preview";
  return type;
}

export type Rerun = NonNullable<ReturnType<typeof jobRequest>>;

/** The request that creates this job again (the job's own options included), and where to send it. */
export function rerunRequest(job: Job): Rerun | null {
  const request = jobRequest(job);
  if (!request) return null;
  // The API adds derived fields to what it stores; a new request must carry only what the client sent.
  const { normalized_schema: _normalized, ...payload } = request.body as typeof request.body & { normalized_schema?: unknown };
  const body = { ...payload };
  if (job.name) body.name = job.name;
  if (job.priority) body.priority = job.priority;
  if (job.webhook) body.webhook = { url: job.webhook.url, events: job.webhook.events };
  return { ...request, body } as Rerun;
}

/** Reads a job's whole request (`GET /api/jobs/{id}/request`). */
export type RequestLoader = (jobId: string) => Promise<Loose>;

/**
 * The job with its whole request: as polled when the body shows all of it, else read from the API
 * (a batch's body lists only its first URLs, and running or editing it again needs every one).
 */
export async function withWholeRequest(job: Job, load: RequestLoader): Promise<Job> {
  if (!requestIsCut(job)) return job;
  return { ...job, request: await load(job.job_id) };
}

/** `rerunRequest` of the job's whole request (read first when the job body cut it). */
export async function loadRerunRequest(job: Job, load: RequestLoader): Promise<Rerun | null> {
  return rerunRequest(await withWholeRequest(job, load));
}
