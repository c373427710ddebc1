/** What the job screens share: which jobs need watching, what a job is called, how to run it again. */

import type { Job } from "../api/types";
import { UNFINISHED } from "../api/types";

export function isUnfinished(job: Pick<Job, "status">): boolean {
  return UNFINISHED.has(job.status);
}

export function anyUnfinished(jobs: Array<Pick<Job, "status">>): boolean {
  return jobs.some(isUnfinished);
}

export function jobKind(type: string): string {
  if (type === "scrape.page") return "scrape";
  if (type === "scrape.crawl") return "crawl";
  if (type === "pipeline.run") return "pipeline";
  if (type === "pipeline.preview") return "preview";
  return type;
}

/** The request that creates this job again (the job's own options included), and where to send it. */
export function rerunRequest(job: Job): { path: string; body: Record<string, unknown> } | null {
  if (!job.request) return null;
  // The API adds derived fields to what it stores; a new request must carry only what the client sent.
  const { normalized_schema: _normalized, ...payload } = job.request;
  const body: Record<string, unknown> = { ...payload };
  if (job.name) body.name = job.name;
  if (job.priority) body.priority = job.priority;
  if (job.webhook?.url) body.webhook = { url: job.webhook.url, events: job.webhook.events };
  if (job.type.startsWith("scrape.")) return { path: "/api/scrape", body };
  if (job.type === "pipeline.run") return { path: "/api/pipeline/run", body };
  return null;
}
