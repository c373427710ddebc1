import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Job } from "../api/types";
import { ActionsReport, PageFiles, PipelineProgressBar } from "./JobDetailPage";

const FILES = [
  { name: "screenshot.jpg", media_type: "image/jpeg", size: 48211, url: "/api/jobs/j1/files/screenshot.jpg" },
  { name: "page.pdf", media_type: "application/pdf", size: 2048, url: "/api/jobs/j1/files/page.pdf" },
];

// jsdom has no object URLs: each test that needs them sets them, and they are put back after it.
const objectUrls = { create: URL.createObjectURL, revoke: URL.revokeObjectURL };

afterEach(() => {
  URL.createObjectURL = objectUrls.create;
  URL.revokeObjectURL = objectUrls.revoke;
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("A scraped page's captures", () => {
  it("shows the screenshot fetched through the client and offers every file", async () => {
    const asked: string[] = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        asked.push(new URL(request.url).pathname);
        return new Response(new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: "image/jpeg" }), {
          headers: { "Content-Type": "image/jpeg" },
        });
      }),
    );
    const created = vi.fn(() => "blob:screenshot");
    URL.createObjectURL = created;
    URL.revokeObjectURL = vi.fn();

    render(<PageFiles jobId="j1" files={FILES} />);

    const image = await waitFor(() => screen.getByAltText("Screenshot of the page (screenshot.jpg)"));
    expect(image.getAttribute("src")).toBe("blob:screenshot");
    expect(asked).toEqual(["/api/jobs/j1/files/screenshot.jpg"]);
    expect(screen.getByRole("button", { name: "screenshot.jpg" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "page.pdf" })).toBeTruthy();
    expect(screen.getByText(/application\/pdf/)).toBeTruthy();
  });

  it("says so when the screenshot cannot be loaded (deleted after its retention)", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => new Response(JSON.stringify({ error: { code: "not_found", message: "gone" } }), { status: 404, headers: { "Content-Type": "application/json" } })),
    );
    render(<PageFiles jobId="j1" files={FILES} />);
    expect(await screen.findByText("The screenshot could not be loaded.")).toBeTruthy();
  });
});

describe("A scraped page's actions", () => {
  it("lists each action with its outcome, time and error", () => {
    render(
      <ActionsReport
        actions={[
          { type: "click", ok: true, duration_ms: 1520 },
          { type: "wait", ok: false, duration_ms: 300, error: "did not finish within 300 ms" },
        ]}
      />,
    );
    const rows = screen.getByTestId("actions-report").querySelectorAll("tbody tr");
    expect(Array.from(rows).map((r) => Array.from(r.querySelectorAll("td")).map((td) => td.textContent))).toEqual([
      ["1", "click", "ok", "1.5 s", ""],
      ["2", "wait", "failed", "300 ms", "did not finish within 300 ms"],
    ]);
  });
});

describe("The job page's live updates", () => {
  const job = (status: string) => ({
    job_id: "j1",
    type: "test.sleep",
    status,
    created_at: "2026-12-04T10:00:00Z",
    attempts: 1,
    max_attempts: 3,
    request: {},
  });

  /** The API: the job's body by status, and its event stream (or a 503 when `events` is null). */
  function api(events: ReadableStream<Uint8Array> | null) {
    const state = { status: "running", loads: 0 };
    vi.stubGlobal(
      "fetch",
      vi.fn(async (input: Request | string) => {
        const url = typeof input === "string" ? input : input.url;
        if (url.endsWith("/api/jobs/j1/events")) {
          if (events === null) return new Response('{"error":{"code":"too_many_streams","message":"busy"}}', { status: 503 });
          return new Response(events, { headers: { "Content-Type": "text/event-stream" } });
        }
        if (new URL(url).pathname !== "/api/jobs/j1") {
          // The records table of a finished job: none.
          return new Response('{"total":0,"offset":0,"limit":50,"items":[]}', { headers: { "Content-Type": "application/json" } });
        }
        state.loads += 1;
        return new Response(JSON.stringify(job(state.status)), {
          headers: { "Content-Type": "application/json", ETag: `"${state.status}-${state.loads}"` },
        });
      }),
    );
    return state;
  }

  it("loads the job when an event says it changed, without polling meanwhile", async () => {
    let send!: (text: string) => void;
    const events = new ReadableStream<Uint8Array>({
      start: (c) => (send = (text) => c.enqueue(new TextEncoder().encode(text))),
    });
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const state = api(events);
      const { JobDetailPage } = await import("./JobDetailPage");
      const { container } = render(<JobDetailPage id="j1" />);
      await waitFor(() => expect(container.querySelector("[data-status=running]")).toBeTruthy());
      const loaded = state.loads;
      await vi.advanceTimersByTimeAsync(6000); // three poll intervals: the open stream stands in for them
      expect(state.loads).toBe(loaded);
      state.status = "completed";
      send('id: 2:j1\nevent: finished\ndata: {"job_id":"j1","status":"completed"}\n\n');
      await waitFor(() => expect(container.querySelector("[data-status=completed]")).toBeTruthy());
      expect(state.loads).toBe(loaded + 1);
    } finally {
      vi.useRealTimers();
    }
  });

  it("polls every 2 s when the stream is refused", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    try {
      const state = api(null);
      const { JobDetailPage } = await import("./JobDetailPage");
      const { container } = render(<JobDetailPage id="j1" />);
      await waitFor(() => expect(container.querySelector("[data-status=running]")).toBeTruthy());
      await waitFor(() => expect(state.loads).toBeGreaterThanOrEqual(2)); // the fallback's first load
      const before = state.loads;
      state.status = "completed";
      await vi.advanceTimersByTimeAsync(2100);
      await waitFor(() => expect(container.querySelector("[data-status=completed]")).toBeTruthy());
      expect(state.loads).toBe(before + 1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe("A running pipeline's progress bar", () => {
  const job = (progress: Record<string, unknown>, status = "running") =>
    ({ job_id: "p1", type: "pipeline.run", status, progress, attempts: 1, max_attempts: 3, created_at: "2024-01-01T00:00:00Z" }) as unknown as Job;

  it("fills with the steps done and names the step and its rows", () => {
    render(<PipelineProgressBar job={job({ phase: "step", step: 1, op: "dedupe", rows_done: 950000, rows: 950000, steps_total: 4 })} />);
    const bar = screen.getByRole("progressbar", { name: "Pipeline progress" });
    expect(bar.getAttribute("value")).toBe("1");
    expect(bar.getAttribute("max")).toBe("4");
    expect(screen.getByText("Step 2 of 4 (dedupe) on 950,000 rows")).toBeTruthy();
  });

  it("counts stored rows against the result's rows", () => {
    render(<PipelineProgressBar job={job({ phase: "storing", rows_done: 5000, rows_total: 9000, records: 5000 })} />);
    const bar = screen.getByRole("progressbar", { name: "Pipeline progress" });
    expect([bar.getAttribute("value"), bar.getAttribute("max")]).toEqual(["5000", "9000"]);
    expect(screen.getByText("Storing rows: 5,000 of 9,000")).toBeTruthy();
  });

  it("is indeterminate while the source is read, and gone once the job has finished", () => {
    render(<PipelineProgressBar job={job({ phase: "reading", rows_done: 200000, rows_read: 200000, steps_total: 3 })} />);
    expect(screen.getByRole("progressbar", { name: "Pipeline progress" }).hasAttribute("value")).toBe(false);
    expect(screen.getByText("Reading the source: 200,000 rows so far")).toBeTruthy();
    cleanup();
    render(<PipelineProgressBar job={job({ phase: "done", rows_done: 10, rows_total: 10 }, "completed")} />);
    expect(screen.queryByRole("progressbar")).toBeNull();
  });
});
