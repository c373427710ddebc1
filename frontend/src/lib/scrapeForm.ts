/**
 * The New-scrape form's state and the body it becomes: `POST /api/scrape` for a page (or a crawl),
 * `POST /api/scrape/batch` for a list of URLs; and back, to edit a job.
 */

import type { BatchRequest, ScrapeRequest } from "../api/types";
import { CAPTURE_ACTIONS, buildActions, draftsFromActions, type ActionDraft } from "./actions";
import { csvTable, urlListError, urlsFromColumn, urlsFromLines, type UrlList } from "./batchUrls";
import { buildSchema, draftFromSchema, type SchemaDraft } from "./schema";

export type Strategy = ScrapeRequest["strategy"];
type Format = NonNullable<ScrapeRequest["formats"]>[number];
type Crawl = NonNullable<ScrapeRequest["crawl"]>;
type Options = NonNullable<ScrapeRequest["options"]>;
export const EXTRA_FORMATS: Array<Exclude<Format, "data">> = ["markdown", "text", "links", "metadata", "html"];

export interface CrawlForm {
  enabled: boolean;
  follow: string;
  nextPage: string;
  maxPages: string;
  maxDepth: string;
  include: string;
  exclude: string;
  sameDomain: boolean;
}

export interface BatchForm {
  source: "paste" | "csv";
  /** Pasted URLs, one a line. */
  text: string;
  /** An uploaded CSV file's rows, whether the first is a header, and the column chosen for the URLs. */
  csv: { fileName: string; rows: string[][]; header: boolean; column: number } | null;
}

export interface ScrapeForm {
  /** One page (or a crawl from it), or a batch of URLs. */
  mode: "page" | "batch";
  url: string;
  batch: BatchForm;
  strategy: Strategy;
  schema: SchemaDraft;
  crawl: CrawlForm;
  formats: Array<Exclude<Format, "data">>;
  name: string;
  timeoutS: string;
  respectRobots: boolean;
  delayMs: string;
  waitFor: string;
  actions: ActionDraft[];
  /** A saved session's name (`/api/sessions`), or "" for none. */
  session: string;
}

export function defaultScrapeForm(): ScrapeForm {
  return {
    mode: "page",
    url: "",
    batch: { source: "paste", text: "", csv: null },
    strategy: "static",
    schema: draftFromSchema({ title: "string" }),
    crawl: { enabled: false, follow: "", nextPage: "", maxPages: "20", maxDepth: "3", include: "", exclude: "", sameDomain: true },
    formats: [],
    name: "",
    timeoutS: "",
    respectRobots: true,
    delayMs: "",
    waitFor: "",
    actions: [],
    session: "",
  };
}

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);
const num = (text: string) => (text.trim() === "" ? undefined : Number(text));

/** A form that cannot be sent as it is; the message says what to change. */
export class FormError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FormError";
  }
}

export const STATIC_ACTIONS =
  "Actions run in a browser: choose the dynamic or auto strategy (static fetches the page without one, so the API refuses actions with it).";

/** What a page and a batch request share: schema, strategy, name, formats, options, actions. */
function sharedFields(form: ScrapeForm): Omit<ScrapeRequest, "url"> {
  const body: Omit<ScrapeRequest, "url"> = { strategy: form.strategy, schema: buildSchema(form.schema) };
  if (form.name.trim()) body.name = form.name.trim();
  if (form.session) body.session = form.session;
  if (form.formats.length) body.formats = ["data", ...form.formats];
  const options: Options = {};
  if (num(form.timeoutS) !== undefined) options.timeout_s = num(form.timeoutS);
  if (!form.respectRobots) options.respect_robots = false;
  if (num(form.delayMs) !== undefined) options.delay_ms = num(form.delayMs);
  if (form.waitFor.trim() && form.strategy !== "static") options.wait_for = form.waitFor.trim();
  if (Object.keys(options).length) body.options = options;
  if (form.actions.length) {
    if (form.strategy === "static") throw new FormError(STATIC_ACTIONS);
    body.actions = buildActions(form.actions);
  }
  return body;
}

/** The `POST /api/scrape` body; throws SchemaError, ActionError or FormError for what cannot be sent. */
export function buildScrapeRequest(form: ScrapeForm): ScrapeRequest {
  const { strategy, schema, ...rest } = sharedFields(form);
  const body: ScrapeRequest = { url: form.url.trim(), strategy, schema, ...rest };
  if (form.crawl.enabled) {
    const c = form.crawl;
    const crawl: Crawl = { same_domain: c.sameDomain };
    if (c.follow.trim()) crawl.follow = c.follow.trim();
    if (c.nextPage.trim()) crawl.next_page = c.nextPage.trim();
    if (num(c.maxPages) !== undefined) crawl.max_pages = num(c.maxPages);
    if (num(c.maxDepth) !== undefined) crawl.max_depth = num(c.maxDepth);
    if (lines(c.include).length) crawl.include = lines(c.include);
    if (lines(c.exclude).length) crawl.exclude = lines(c.exclude);
    body.crawl = crawl;
  }
  return body;
}

/** The batch's URLs as the form holds them (pasted, or a CSV file's column). */
export function batchUrls(batch: BatchForm): UrlList {
  const csv = batch.csv;
  if (batch.source === "csv") return csv ? urlsFromColumn(csvTable(csv.rows, csv.header), csv.column) : { urls: [], problems: [] };
  return urlsFromLines(batch.text);
}

/** The `POST /api/scrape/batch` body; throws FormError when the URLs or a capture cannot go in a batch. */
export function buildBatchRequest(form: ScrapeForm): BatchRequest {
  const list = batchUrls(form.batch);
  const problem = form.batch.source === "csv" && !form.batch.csv ? "Upload a CSV file and choose its URL column." : urlListError(list);
  if (problem) throw new FormError(problem);
  const capture = form.actions.findIndex((a) => CAPTURE_ACTIONS.has(a.type));
  if (capture >= 0) {
    throw new FormError(
      `Action ${capture + 1} (${form.actions[capture]!.type}): screenshots and PDFs are files of a single page; a batch cannot take them. Remove it, or scrape the page on its own.`,
    );
  }
  return { urls: list.urls, ...sharedFields(form) };
}

/** A preview runs the same request, kept small: a crawl stops after a few pages. */
export const PREVIEW_MAX_PAGES = 3;

/** A batch's preview: its first few URLs. */
export function previewBatchRequest(request: BatchRequest): BatchRequest {
  return { ...request, name: "preview", urls: request.urls.slice(0, PREVIEW_MAX_PAGES) };
}

export function previewRequest(request: ScrapeRequest): ScrapeRequest {
  const preview: ScrapeRequest = { ...request, name: "preview" };
  const crawl = request.crawl;
  if (crawl) preview.crawl = { ...crawl, max_pages: Math.min(crawl.max_pages ?? PREVIEW_MAX_PAGES, PREVIEW_MAX_PAGES) };
  return preview;
}

/** The form filled from an earlier job's request ("edit and re-run"). */
export function formFromRequest(request: Record<string, unknown>, name: string | null | undefined): ScrapeForm {
  const form = defaultScrapeForm();
  const crawl = request.crawl as Record<string, unknown> | undefined;
  const options = (request.options ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  // A batch's stored request also names its first URL as `url`: `urls` tells it apart.
  const urls = Array.isArray(request.urls) ? request.urls.map(String) : null;
  return {
    ...form,
    mode: urls ? "batch" : "page",
    url: urls ? "" : str(request.url),
    batch: urls ? { source: "paste", text: urls.join("\n"), csv: null } : form.batch,
    strategy: (["static", "dynamic", "auto"].includes(String(request.strategy)) ? request.strategy : "static") as Strategy,
    schema: draftFromSchema(request.schema ?? {}),
    name: name && name !== "preview" ? name : "",
    formats: Array.isArray(request.formats) ? EXTRA_FORMATS.filter((f) => (request.formats as unknown[]).includes(f)) : [],
    crawl: crawl
      ? {
          enabled: true,
          follow: str(crawl.follow),
          nextPage: str(crawl.next_page),
          maxPages: str(crawl.max_pages),
          maxDepth: str(crawl.max_depth),
          include: Array.isArray(crawl.include) ? crawl.include.join("\n") : "",
          exclude: Array.isArray(crawl.exclude) ? crawl.exclude.join("\n") : "",
          sameDomain: crawl.same_domain !== false,
        }
      : form.crawl,
    timeoutS: options.timeout_s !== undefined && options.timeout_s !== 30 ? str(options.timeout_s) : "",
    respectRobots: options.respect_robots !== false,
    delayMs: options.delay_ms ? str(options.delay_ms) : "",
    waitFor: str(options.wait_for),
    actions: draftsFromActions(request.actions).drafts,
    session: typeof request.session === "string" ? request.session : "",
  };
}
