/** What the job screens share: which jobs need watching, what a job is called, how to run it again. */

import { jobRequest, type Job, type JobStatus } from "../api/types";

// A record, not a list, so the type check fails when the API documents a status this file lacks.
const STATUS_ORDER: Record<JobStatus, number> = { queued: 0, running: 1, completed: 2, failed: 3, cancelled: 4 };
export const JOB_STATUSES = Object.keys(STATUS_ORDER) as JobStatus[];
const UNFINISHED: ReadonlySet<string> = new Set<JobStatus>(["queued", "running"]);

export function isUnfinished(job: Pick<Job, "status">): boolean {
  return UNFINISHED.has(job.status);
}

export function anyUnfinished(jobs: Array<Pick<Job, "status">>): boolean {
  return jobs.some(isUnfinished);
}

export function jobKind(type: string): string {
  if (type === "scrape.page") return "scrape";
  if (type === "scrape.crawl") return "crawl";
  if (type === "scrape.batch") return "batch";
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
