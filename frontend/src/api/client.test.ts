import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { onKeyPrompt, type KeyPrompt } from "./auth";
import { ApiError, client, ok } from "./client";
import { createScrape, getJob, listJobs, uploadFile } from "./endpoints";

const KEY = "s3cret";
const JOB = { job_id: "j1", type: "scrape.page", status: "running", created_at: "2026-01-01T00:00:00Z", attempts: 1, max_attempts: 3 };

function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json", ...headers } });
}

/** Every request the client sent, as the server would see it. */
function stubFetch(answer: (request: Request) => Response | Promise<Response>) {
  const sent: Request[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      sent.push(request);
      return answer(request);
    }),
  );
  return sent;
}

/** An API that wants `Bearer s3cret`. */
function keyedApi() {
  return stubFetch((request) =>
    request.headers.get("Authorization") === `Bearer ${KEY}`
      ? json({ items: [], next_cursor: null })
      : json({ error: { code: "unauthorized", message: "API key required.", details: null } }, 401),
  );
}

const authOf = (sent: Request[]) => sent.map((r) => r.headers.get("Authorization"));

function answerPrompts(...answers: Array<string | null>) {
  const prompts: KeyPrompt[] = [];
  const stop = onKeyPrompt((prompt) => {
    if (!prompt) return;
    prompts.push(prompt);
    queueMicrotask(() => prompt.answer(answers.shift() ?? null));
  });
  return { prompts, stop };
}

beforeEach(() => localStorage.clear());
afterEach(() => vi.unstubAllGlobals());

describe("API key", () => {
  it("asks for a key on 401, keeps it in local storage and sends it as a Bearer token", async () => {
    const sent = keyedApi();
    const { prompts, stop } = answerPrompts(KEY);
    await expect(listJobs({})).resolves.toEqual({ items: [], next_cursor: null });
    stop();
    expect(prompts.map((p) => p.refused)).toEqual([false]);
    expect(authOf(sent)).toEqual([null, `Bearer ${KEY}`]);
    expect(localStorage.getItem("dataops.apiKey")).toBe(KEY);

    // The next call sends the saved key from the start.
    await listJobs({});
    expect(authOf(sent).at(-1)).toBe(`Bearer ${KEY}`);
  });

  it("asks again, saying the key was refused, when the API turns the key down", async () => {
    const sent = keyedApi();
    const { prompts, stop } = answerPrompts("wrong", KEY);
    await listJobs({});
    stop();
    expect(prompts.map((p) => p.refused)).toEqual([false, true]);
    expect(authOf(sent)).toEqual([null, "Bearer wrong", `Bearer ${KEY}`]);
  });

  it("shares one prompt among calls that hit 401 together", async () => {
    keyedApi();
    const { prompts, stop } = answerPrompts(KEY);
    await Promise.all([listJobs({}), listJobs({ status: "queued" }), ok(client.GET("/api/exports"))]);
    stop();
    expect(prompts).toHaveLength(1);
  });

  it("gives the API's error when the user cancels the prompt", async () => {
    keyedApi();
    const { stop } = answerPrompts(null);
    const error = await listJobs({}).catch((e: unknown) => e);
    stop();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toBe("API key required.");
  });

  it("sends the body again with the key after a 401", async () => {
    const sent = stubFetch(async (request) => {
      if (request.headers.get("Authorization") !== `Bearer ${KEY}`) return json({ error: { code: "unauthorized", message: "no" } }, 401);
      return json({ job_id: "j1", status: "queued", body: await request.json() }, 202);
    });
    const { stop } = answerPrompts(KEY);
    const created = await createScrape({ url: "https://shop.example/", strategy: "static" });
    stop();
    expect(sent.map((r) => [r.method, new URL(r.url).pathname])).toEqual([
      ["POST", "/api/scrape"],
      ["POST", "/api/scrape"],
    ]);
    expect(created).toMatchObject({ job_id: "j1", body: { url: "https://shop.example/", strategy: "static" } });
  });
});

describe("errors", () => {
  it("carries the API's message, code and per-field details of a 422", async () => {
    const details = [{ field: "body.url", message: "URL longer than 2048 characters", type: "value_error" }];
    stubFetch(() => json({ error: { code: "validation_error", message: "Invalid request: body.url", details } }, 422));
    const error = (await createScrape({ url: "x", strategy: "static" }).catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code, error.message]).toEqual([422, "validation_error", "Invalid request: body.url"]);
    expect(error.fieldProblems).toEqual([{ field: "body.url", message: "URL longer than 2048 characters" }]);
  });

  it("falls back to the status line when the answer is not the API's error shape", async () => {
    stubFetch(() => new Response("<html>Bad gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    await expect(listJobs({})).rejects.toMatchObject({ status: 502, code: "http_error", message: "The API answered 502 Bad Gateway." });
  });

  it("explains an unreachable API", async () => {
    stubFetch(() => Promise.reject(new TypeError("Failed to fetch")));
    await expect(listJobs({})).rejects.toMatchObject({ status: 0, code: "network_error" });
  });

  it("lets an aborted call end as an abort, not as an unreachable API", async () => {
    stubFetch(() => Promise.reject(new DOMException("aborted", "AbortError")));
    const controller = new AbortController();
    controller.abort();
    const error = await listJobs({}, controller.signal).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(ApiError);
  });
});

describe("requests", () => {
  it("sends filters as the query, leaving out the ones not set", async () => {
    const sent = stubFetch(() => json({ items: [], next_cursor: null }));
    await listJobs({ status: "queued", type: null, name: "nightly", limit: 50 });
    const url = new URL(sent[0]!.url);
    expect([url.pathname, url.search]).toEqual(["/api/jobs", "?status=queued&name=nightly&limit=50"]);
    expect(sent[0]!.headers.get("Accept")).toBe("application/json");
  });

  it("uploads a file as multipart form data", async () => {
    const sent = stubFetch(() => json({ upload_id: "u1" }, 201));
    await uploadFile(new File(["a,b\n1,2\n"], "rows.csv", { type: "text/csv" }));
    expect(sent[0]!.headers.get("Content-Type")).toMatch(/^multipart\/form-data; boundary=/);
    const form = await sent[0]!.formData();
    expect(await (form.get("file") as File).text()).toBe("a,b\n1,2\n");
  });
});

describe("job polling with an ETag", () => {
  it("sends the last ETag as If-None-Match and answers null while the job is unchanged (304)", async () => {
    const sent = stubFetch((request) =>
      request.headers.get("If-None-Match") === '"v1"' ? new Response(null, { status: 304 }) : json(JOB, 200, { ETag: '"v1"' }),
    );
    const first = await getJob("j1", null);
    expect(first).toEqual({ body: JOB, etag: '"v1"' });
    expect(sent[0]!.headers.get("If-None-Match")).toBeNull();
    expect(new URL(sent[0]!.url).pathname).toBe("/api/jobs/j1");

    await expect(getJob("j1", first!.etag)).resolves.toBeNull();
    expect(sent[1]!.headers.get("If-None-Match")).toBe('"v1"');
  });

  it("throws the API's error for a job that is gone", async () => {
    stubFetch(() => json({ error: { code: "not_found", message: "No job j1." } }, 404));
    await expect(getJob("j1", '"v1"')).rejects.toMatchObject({ status: 404, code: "not_found", message: "No job j1." });
  });
});
