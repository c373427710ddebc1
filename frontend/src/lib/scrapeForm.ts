/** The New-scrape form's state and the `POST /api/scrape` body it becomes (and back, to edit a job). */

import type { ScrapeRequest } from "../api/types";
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

export interface ScrapeForm {
  url: string;
  strategy: Strategy;
  schema: SchemaDraft;
  crawl: CrawlForm;
  formats: Array<Exclude<Format, "data">>;
  name: string;
  timeoutS: string;
  respectRobots: boolean;
  delayMs: string;
  waitFor: string;
}

export function defaultScrapeForm(): ScrapeForm {
  return {
    url: "",
    strategy: "static",
    schema: draftFromSchema({ title: "string" }),
    crawl: { enabled: false, follow: "", nextPage: "", maxPages: "20", maxDepth: "3", include: "", exclude: "", sameDomain: true },
    formats: [],
    name: "",
    timeoutS: "",
    respectRobots: true,
    delayMs: "",
    waitFor: "",
  };
}

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);
const num = (text: string) => (text.trim() === "" ? undefined : Number(text));

/** The request body; throws SchemaError when the schema editor holds something invalid. */
export function buildScrapeRequest(form: ScrapeForm): ScrapeRequest {
  const body: ScrapeRequest = { url: form.url.trim(), strategy: form.strategy, schema: buildSchema(form.schema) };
  if (form.name.trim()) body.name = form.name.trim();
  if (form.formats.length) body.formats = ["data", ...form.formats];
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
  const options: Options = {};
  if (num(form.timeoutS) !== undefined) options.timeout_s = num(form.timeoutS);
  if (!form.respectRobots) options.respect_robots = false;
  if (num(form.delayMs) !== undefined) options.delay_ms = num(form.delayMs);
  if (form.waitFor.trim() && form.strategy !== "static") options.wait_for = form.waitFor.trim();
  if (Object.keys(options).length) body.options = options;
  return body;
}

/** A preview runs the same request, kept small: a crawl stops after a few pages. */
export const PREVIEW_MAX_PAGES = 3;

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
  return {
    ...form,
    url: str(request.url),
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
  };
}
