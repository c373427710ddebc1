import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { SessionPicker } from "./SessionPicker";

const session = (name: string, status: string) => ({
  session_id: name, name, kind: "login", status, cookie_count: 0, cookie_domains: [], has_state: false,
  origin_count: 0, state_version: 0, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("SessionPicker", () => {
  it("offers every saved session with its status, and keeps a chosen one that is gone", async () => {
    const pages = [
      { items: [session("shop", "ready")], next_cursor: "c1" },
      { items: [session("news", "needs_login")], next_cursor: null },
    ];
    const cursors: Array<string | null> = [];
    vi.stubGlobal(
      "fetch",
      vi.fn(async (request: Request) => {
        cursors.push(new URL(request.url).searchParams.get("cursor"));
        return new Response(JSON.stringify(pages.shift()), { headers: { "Content-Type": "application/json" } });
      }),
    );
    render(<SessionPicker value="old-login" onChange={() => undefined} />);
    await screen.findByText("news (logs in at the next use)");
    const options = Array.from((screen.getByLabelText("Session (optional)") as HTMLSelectElement).options).map((o) => o.text);
    expect(options).toEqual(["No session", "shop (logged in)", "news (logs in at the next use)", "old-login (not found)"]);
    expect(cursors).toEqual([null, "c1"]);
  });
});
