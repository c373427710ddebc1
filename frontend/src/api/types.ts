/**
 * Names for the API's shapes, all taken from the types generated from its OpenAPI document
 * (`src/client/schema.d.ts`, `make client`), and the few readers for what the document leaves open.
 */

import type { components, paths } from "../client/schema";

type Schemas = components["schemas"];

export type Job = Schemas["JobOut"];
export type JobPage = Schemas["JobPage"];
export type JobCreated = Schemas["JobCreated"];
export type RecordPage = Schemas["RecordPage"];
export type Pipeline = Schemas["PipelineOut"];
export type PipelineSpec = Schemas["PipelineSpec"];
export type PipelineIn = Schemas["PipelineIn"];
export type PipelineRunRequest = Schemas["PipelineRunRequest"];
export type PipelineSource = NonNullable<PipelineSpec["source"]>;
export type ExportFile = Schemas["ExportOut"];
export type ScrapeRequest = Schemas["ScrapeRequest"];
/** The statuses the job list can filter by (`JobOut.status` is a plain string in the document). */
export type JobStatus = NonNullable<NonNullable<paths["/api/jobs"]["get"]["parameters"]["query"]>["status"]>;

// --- Where the document is still loose ------------------------------------------------------------
// Each reader below narrows a part the document types as any JSON; it goes once the document names it.

/** A JSON object the document leaves open (`result`, `progress`, `request`). */
export type Loose = Record<string, unknown>;

/** Fields of a job the API sends that the document does not list yet. */
interface JobExtras {
  priority?: number;
  parent_id?: string | null;
  retry_at?: string | null;
}

export function jobExtras(job: Job): JobExtras {
  return job as JobExtras;
}

export interface WebhookDelivery {
  delivery_id: string;
  event: string;
  attempt: number;
  status_code: number | null;
  error: string | null;
  at: string | null;
}

type WebhookEvent = NonNullable<Schemas["WebhookIn"]["events"]>[number];

/** A job's `webhook`: the URL and events it was created with and, on one job, the deliveries. */
export function jobWebhook(job: Job): { url: string; events: WebhookEvent[]; deliveries: WebhookDelivery[] } | null {
  const webhook = job.webhook;
  if (!webhook || typeof webhook.url !== "string") return null;
  return {
    url: webhook.url,
    events: Array.isArray(webhook.events) ? (webhook.events as WebhookEvent[]) : [],
    deliveries: Array.isArray(webhook.deliveries) ? (webhook.deliveries as WebhookDelivery[]) : [],
  };
}

/** A saved pipeline's `definition`: the API stored it after validating it as a PipelineSpec. */
export function pipelineDefinition(pipeline: Pipeline): PipelineSpec {
  return pipeline.definition as PipelineSpec;
}

/** A job's `request`: the body that created it (plus what the API derived from it), by job type. */
export function jobRequest(job: Job): { path: "/api/scrape"; body: ScrapeRequest } | { path: "/api/pipeline/run"; body: PipelineRunRequest } | null {
  if (!job.request) return null;
  if (job.type.startsWith("scrape.")) return { path: "/api/scrape", body: job.request as ScrapeRequest };
  if (job.type === "pipeline.run") return { path: "/api/pipeline/run", body: job.request as PipelineRunRequest };
  return null;
}

/** `/health`, as far as the status bar reads it (the document types the body as any JSON). */
export interface Health {
  status: string;
  version: string;
  database: { status: string; dialect: string };
  /** `items` only with the API key (or when none is configured): without it, counts only. */
  workers?: { alive: number; slots?: number; running?: number; items?: Array<{ concurrency: number }> };
  /** One line per kind some live worker cannot run: "browser unavailable: <reason>". */
  problems?: string[];
  queue?: Partial<Record<string, number>>;
  limits?: { max_queued_jobs: number };
}

export function asHealth(body: unknown): Health {
  return body as Health;
}
