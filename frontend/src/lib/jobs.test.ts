import { describe, expect, it } from "vitest";
import type { Job } from "../api/types";
import { JOB_STATUSES, jobKind, loadRerunRequest, rerunRequest, withWholeRequest } from "./jobs";

const base: Job = { job_id: "j1", type: "scrape.page", status: "failed", created_at: "2026-01-01T00:00:00Z", attempts: 3, max_attempts: 3 };

describe("run again", () => {
  it("sends a scrape's request again with its name, priority and webhook, without what the API derived", () => {
    const job: Job = {
      ...base,
      name: "nightly",
      priority: 5,
      request: { url: "https://shop.example/", strategy: "static", schema: { title: "string" }, normalized_schema: { fields: [] } },
      webhook: { url: "https://hooks.example/in", events: ["failed"], deliveries: [] },
    };
    expect(rerunRequest(job)).toEqual({
      path: "/api/scrape",
      body: {
        url: "https://shop.example/",
        strategy: "static",
        schema: { title: "string" },
        name: "nightly",
        priority: 5,
        webhook: { url: "https://hooks.example/in", events: ["failed"] },
      },
    });
  });

  it("runs a pipeline job again through the pipeline endpoint; a preview or a job without its request, not at all", () => {
    const run: Job = { ...base, type: "pipeline.run", request: { pipeline_id: "p1" } };
    expect(rerunRequest(run)).toEqual({ path: "/api/pipeline/run", body: { pipeline_id: "p1" } });
    expect(rerunRequest({ ...run, type: "pipeline.preview" })).toBeNull();
    expect(rerunRequest({ ...base, request: null })).toBeNull();
  });

  it("runs a batch again through the batch endpoint, without the first URL its payload names as url", () => {
    const batch: Job = { ...base, type: "scrape.batch", request: { url: "https://a.example/", urls: ["https://a.example/", "https://b.example/"], strategy: "static", normalized_schema: {} } };
    expect(rerunRequest(batch)).toEqual({ path: "/api/scrape/batch", body: { urls: ["https://a.example/", "https://b.example/"], strategy: "static" } });
  });
});

describe("a map job", () => {
  it("runs again through the map endpoint and is named a map", () => {
    const job: Job = { ...base, type: "scrape.map", request: { url: "https://shop.example/", search: "mug", max_urls: 50 } };
    expect(rerunRequest(job)).toEqual({ path: "/api/map", body: { url: "https://shop.example/", search: "mug", max_urls: 50 } });
    expect(jobKind("scrape.map")).toBe("map");
  });
});

describe("a long batch's whole request", () => {
  const urls = Array.from({ length: 12 }, (_, i) => `https://a.example/${i}`);
  // What GET /api/jobs/{id} shows of a batch of 12 URLs: the first 10 and their number.
  const cut: Job = { ...base, type: "scrape.batch", request: { url: urls[0], urls: urls.slice(0, 10), urls_total: 12, strategy: "static", normalized_schema: {} } };
  const whole = { url: urls[0], urls, strategy: "static", normalized_schema: {} };

  it("is read from /request when the job body cut its URLs, and runs again with every URL and no urls_total", async () => {
    const asked: string[] = [];
    const rerun = await loadRerunRequest(cut, async (id) => {
      asked.push(id);
      return whole;
    });
    expect(asked).toEqual(["j1"]);
    expect(rerun).toEqual({ path: "/api/scrape/batch", body: { urls, strategy: "static" } });
  });

  it("is not read again when the body shows every URL", async () => {
    const short: Job = { ...cut, request: { url: urls[0], urls: urls.slice(0, 3), strategy: "static" } };
    const load = async (): Promise<never> => {
      throw new Error("the whole request was read for a batch the body shows in full");
    };
    expect(await withWholeRequest(short, load)).toBe(short);
    expect(await withWholeRequest({ ...base, request: { url: urls[0] } }, load)).toEqual({ ...base, request: { url: urls[0] } });
  });

  it("never sends urls_total back, even from a body that was not read again", () => {
    const body = rerunRequest(cut)!.body as Record<string, unknown>;
    expect(body).not.toHaveProperty("urls_total");
    expect(body).not.toHaveProperty("url");
  });
});

describe("job statuses", () => {
  it("lists every status the API documents, in the order of a job's life", () => {
    expect(JOB_STATUSES).toEqual(["queued", "running", "paused", "completed", "failed", "cancelled"]);
  });
});
