import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ApiKey } from "../api/types";
import { KeysPage, parseLimit } from "./KeysPage";

const KEY: ApiKey = {
  key_id: "k1",
  name: "ci",
  prefix: "dok_AbCdEfGh",
  scope: "write",
  rate_per_minute: 60,
  daily_jobs: null,
  created_at: "2026-12-01T10:00:00Z",
  revoked_at: null,
};
const SECRET = "dok_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd";

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** The keys API as the page calls it: a list, a create that answers the key once, a revoke. */
function api(keys: ApiKey[]) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      const text = await request.text();
      calls.push({ method: request.method, path, body: text ? JSON.parse(text) : null });
      if (request.method === "GET") return json({ items: keys });
      if (request.method === "POST") return json({ ...KEY, key_id: "k2", name: "dash", scope: "read", rate_per_minute: null, key: SECRET }, 201);
      return json({ ...KEY, revoked_at: "2026-12-02T10:00:00Z" });
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("Keys screen", () => {
  it("lists keys by prefix and limits, never a whole key, and revokes one after asking", async () => {
    const calls = api([KEY, { ...KEY, key_id: "k0", name: "old", revoked_at: "2026-12-01T11:00:00Z" }]);
    render(<KeysPage />);
    const row = (await screen.findByText("ci")).closest("tr")!;
    expect(row.textContent).toContain("dok_AbCdEfGh…");
    expect(row.textContent).toContain("60/min");
    expect(screen.getByText("revoked")).toBeTruthy();
    expect(screen.queryByLabelText("Revoke old")).toBeNull();

    vi.stubGlobal("confirm", vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true));
    fireEvent.click(screen.getByLabelText("Revoke ci"));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(screen.getByLabelText("Revoke ci"));
    await waitFor(() => expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/keys/k1"]));
  });

  it("creates a key with a scope and limits and shows it once", async () => {
    const calls = api([]);
    render(<KeysPage />);
    expect(await screen.findByText(/No keys yet/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "dash" } });
    fireEvent.change(screen.getByLabelText("Jobs a day (UTC)"), { target: { value: "100" } });
    fireEvent.click(screen.getByLabelText(/^read/));
    fireEvent.click(screen.getByText("Create key"));
    expect((await screen.findByTestId("new-key")).textContent).toBe(SECRET);
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "dash", scope: "read", rate_per_minute: null, daily_jobs: 100 });
    fireEvent.click(screen.getByText("Done"));
    expect(screen.queryByText(SECRET)).toBeNull();
  });

  it("reads a blank limit as none and refuses anything but a whole number", () => {
    expect(parseLimit(" ", "Jobs a day")).toBeNull();
    expect(parseLimit("25", "Jobs a day")).toBe(25);
    expect(() => parseLimit("0", "Jobs a day")).toThrow(/at least 1/);
    expect(() => parseLimit("2.5", "Jobs a day")).toThrow(/whole number/);
  });
});
