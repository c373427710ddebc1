import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ActionsReport, PageFiles } from "./JobDetailPage";

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
