import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { onKeyPrompt, type KeyPrompt } from "./auth";
import { api, ApiError } from "./client";

const KEY = "s3cret";

/** An API that wants `Bearer s3cret`, recording the Authorization header of every call. */
function fakeApi() {
  const seen: Array<string | null> = [];
  const fetchMock = vi.fn(async (_url: string, init: RequestInit) => {
    const auth = new Headers(init.headers).get("Authorization");
    seen.push(auth);
    if (auth !== `Bearer ${KEY}`) {
      return new Response(JSON.stringify({ error: { code: "unauthorized", message: "API key required.", details: null } }), { status: 401 });
    }
    return new Response(JSON.stringify({ items: [], next_cursor: null }), { status: 200 });
  });
  vi.stubGlobal("fetch", fetchMock);
  return { seen, fetchMock };
}

function answerPrompts(...answers: Array<string | null>) {
  const prompts: KeyPrompt[] = [];
  const stop = onKeyPrompt((prompt) => {
    if (!prompt) return;
    prompts.push(prompt);
    queueMicrotask(() => prompt.answer(answers.shift() ?? null));
  });
  return { prompts, stop };
}

describe("API key", () => {
  beforeEach(() => localStorage.clear());
  afterEach(() => vi.unstubAllGlobals());

  it("asks for a key on 401, keeps it in local storage and sends it as a Bearer token", async () => {
    const { seen } = fakeApi();
    const { prompts, stop } = answerPrompts(KEY);
    await expect(api("/api/jobs")).resolves.toEqual({ items: [], next_cursor: null });
    stop();
    expect(prompts.map((p) => p.refused)).toEqual([false]);
    expect(seen).toEqual([null, `Bearer ${KEY}`]);
    expect(localStorage.getItem("dataops.apiKey")).toBe(KEY);

    // The next call sends the saved key from the start.
    await api("/api/jobs");
    expect(seen.at(-1)).toBe(`Bearer ${KEY}`);
  });

  it("asks again, saying the key was refused, when the API turns the key down", async () => {
    const { seen } = fakeApi();
    const { prompts, stop } = answerPrompts("wrong", KEY);
    await api("/api/jobs");
    stop();
    expect(prompts.map((p) => p.refused)).toEqual([false, true]);
    expect(seen).toEqual([null, "Bearer wrong", `Bearer ${KEY}`]);
  });

  it("shares one prompt among calls that hit 401 together", async () => {
    fakeApi();
    const { prompts, stop } = answerPrompts(KEY);
    await Promise.all([api("/api/jobs"), api("/api/jobs"), api("/api/exports")]);
    stop();
    expect(prompts).toHaveLength(1);
  });

  it("gives the API's error when the user cancels the prompt", async () => {
    fakeApi();
    const { stop } = answerPrompts(null);
    const error = await api("/api/jobs").catch((e: unknown) => e);
    stop();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(401);
    expect((error as ApiError).message).toBe("API key required.");
  });
});

describe("errors", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("carries the API's message, code and per-field details of a 422", async () => {
    const details = [{ field: "body.url", message: "URL longer than 2048 characters", type: "value_error" }];
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ error: { code: "validation_error", message: "Invalid request: body.url", details } }), { status: 422 })),
    );
    const error = (await api("/api/scrape", { method: "POST", body: {} }).catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code, error.message]).toEqual([422, "validation_error", "Invalid request: body.url"]);
    expect(error.fieldProblems).toEqual([{ field: "body.url", message: "URL longer than 2048 characters" }]);
  });

  it("explains an unreachable API", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    await expect(api("/api/jobs")).rejects.toMatchObject({ status: 0, code: "network_error" });
  });
});
