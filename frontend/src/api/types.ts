/**
 * Names for the API's shapes, all taken from the types generated from its OpenAPI document
 * (`src/client/schema.d.ts`, `make client`), and the few readers for what the document leaves open.
 */

import type { components } from "../client/schema";

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
export type BatchRequest = Schemas["BatchRequest"];
export type MapRequest = Schemas["MapRequest"];
export type BatchResult = Schemas["BatchResult"];
export type ActionResult = Schemas["ActionResult"];
export type Session = Schemas["SessionOut"];
export type SessionIn = Schemas["SessionIn"];
export type ApiKey = Schemas["KeyOut"];
export type ApiKeyIn = Schemas["KeyIn"];
export type ApiKeyCreated = Schemas["KeyCreated"];
export type KeyScope = ApiKey["scope"];
export type Caller = Schemas["CallerOut"];
export type JobStatus = Schemas["JobStatus"];
export type ScrapePageResult = Schemas["ScrapePageResult"];
export type CrawlResult = Schemas["CrawlResult"];
export type PipelineResult = Schemas["PipelineRunResult"] | Schemas["PipelinePreviewResult"];
/** `/health`: up (200), or the database cannot be read (503, `status: "error"`). */
export type Health = Schemas["HealthOut"] | Schemas["HealthDown"];
export type HealthUp = Schemas["HealthOut"];
export type FieldError = Schemas["FieldError"];

// --- Where the document is still loose ------------------------------------------------------------
// Each reader below narrows a part the document leaves open; it goes once the document names it.

/** A JSON object the document leaves open (a job's `request`, a record). */
export type Loose = Record<string, unknown>;

/** The result model of each built-in job type: the document lists them as one union told apart by keys. */
interface Results {
  "scrape.page": ScrapePageResult;
  "scrape.crawl": CrawlResult;
  "scrape.batch": BatchResult;
  "scrape.map": Schemas["MapResult"];
  "pipeline.run": Schemas["PipelineRunResult"];
  "pipeline.preview": Schemas["PipelinePreviewResult"];
}

/** The job's result when the job is of type `type` (and has finished with one). */
export function resultOf<T extends keyof Results>(job: Job, type: T): Results[T] | null {
  return job.type === type && job.result ? (job.result as Results[T]) : null;
}

/** A scrape's progress (pages of a crawl), told apart from a pipeline's by the job's type. */
export function scrapeProgress(job: Job): Schemas["ScrapeProgress"] | null {
  return job.type.startsWith("scrape.") && job.progress ? (job.progress as Schemas["ScrapeProgress"]) : null;
}

/** A pipeline's progress (phase, rows done of how many), for `pipeline.*` jobs. */
export function pipelineProgress(job: Job): Schemas["PipelineProgress"] | null {
  return job.type.startsWith("pipeline.") && job.progress ? (job.progress as Schemas["PipelineProgress"]) : null;
}

/** A saved pipeline's `definition`: the API stored it after validating it as a PipelineSpec. */
export function pipelineDefinition(pipeline: Pipeline): PipelineSpec {
  return pipeline.definition as PipelineSpec;
}

/**
 * Whether the job body shows only part of the job's request: a batch's `urls` cut to the first few,
 * with their number in `urls_total`. `GET /api/jobs/{id}/request` answers the whole request.
 */
export function requestIsCut(job: Job): boolean {
  const request = job.request;
  if (!request || job.type !== "scrape.batch") return false;
  const shown = Array.isArray(request.urls) ? request.urls.length : 0;
  return typeof request.urls_total === "number" ? request.urls_total > shown : false;
}

/** A job's `request`: the body that created it (plus what the API derived from it), by job type. */
export function jobRequest(
  job: Job,
):
  | { path: "/api/scrape"; body: ScrapeRequest }
  | { path: "/api/scrape/batch"; body: BatchRequest }
  | { path: "/api/map"; body: MapRequest }
  | { path: "/api/pipeline/run"; body: PipelineRunRequest }
  | null {
  if (!job.request) return null;
  if (job.type === "scrape.map") return { path: "/api/map", body: job.request as MapRequest };
  if (job.type === "scrape.batch") {
    // Its payload also names its first URL as `url`, which a batch request refuses; `urls_total` is
    // the job body's count of a list it cut, never part of a request.
    const { url: _first, urls_total: _total, ...body } = job.request;
    return { path: "/api/scrape/batch", body: body as BatchRequest };
  }
  if (job.type.startsWith("scrape.")) return { path: "/api/scrape", body: job.request as ScrapeRequest };
  if (job.type === "pipeline.run") return { path: "/api/pipeline/run", body: job.request as PipelineRunRequest };
  return null;
}

// --- Monitors ---------------------------------------------------------------------------------------

export type Monitor = Schemas["MonitorOut"];
export type MonitorIn = Schemas["MonitorIn"];
export type MonitorCondition = Schemas["Condition"];
export type ConditionOp = MonitorCondition["op"];
export type NotifyTarget = Schemas["NotifyTarget"];
export type NotifyEvent = NonNullable<NotifyTarget["events"]>[number];
export type MonitorChange = Schemas["ChangeOut"];
export type ChangeKind = MonitorChange["kind"];
export type ChangePage = Schemas["ChangePage"];
export type MonitorCheck = Schemas["CheckOut"];
export type CheckStatus = MonitorCheck["status"];
export type FieldSeries = Schemas["SeriesOut"];
export type KeySeries = Schemas["KeySeries"];
