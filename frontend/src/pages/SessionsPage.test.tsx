import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Session } from "../api/types";
import { SessionsPage } from "./SessionsPage";

const SESSION: Session = {
  session_id: "s1",
  name: "shop",
  kind: "login",
  status: "failed",
  last_error: "the check did not find .account-name",
  cookie_count: 2,
  cookie_domains: ["shop.example"],
  has_state: true,
  origin_count: 0,
  state_version: 3,
  created_at: "2026-12-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  last_login_at: "2026-12-01T10:00:00Z",
  login: { url: "https://shop.example/login", actions: [{ type: "write", selector: "#password", text: "***" }] },
};

const json = (body: unknown, status = 200) => new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

/** A fake API: answers the sessions list and records every other call. */
function api(sessions: Session[]) {
  const calls: Array<{ method: string; path: string; body: unknown }> = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      const path = new URL(request.url).pathname;
      const text = await request.text();
      calls.push({ method: request.method, path, body: text ? JSON.parse(text) : null });
      if (request.method === "GET") return json({ items: sessions, next_cursor: null });
      if (request.method === "POST" && path === "/api/sessions") return json({ ...SESSION, name: "uploaded", kind: "storage_state", status: "ready" }, 201);
      return new Response(null, { status: 204 });
    }),
  );
  return calls;
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("Sessions screen", () => {
  it("lists sessions with their status and last error, logs one in again and deletes it after asking", async () => {
    const calls = api([SESSION]);
    render(<SessionsPage />);
    const row = await screen.findByText("shop");
    expect(row.closest("tr")!.textContent).toContain("the check did not find .account-name");
    expect(screen.getByText("failed").getAttribute("data-status")).toBe("failed");

    fireEvent.click(screen.getByLabelText("Log shop in again"));
    await waitFor(() => expect(calls.some((c) => c.method === "POST" && c.path === "/api/sessions/s1/login")).toBe(true));

    vi.stubGlobal("confirm", vi.fn().mockReturnValueOnce(false).mockReturnValueOnce(true));
    fireEvent.click(screen.getByLabelText("Delete shop"));
    expect(calls.some((c) => c.method === "DELETE")).toBe(false);
    fireEvent.click(screen.getByLabelText("Delete shop"));
    await waitFor(() => expect(calls.filter((c) => c.method === "DELETE").map((c) => c.path)).toEqual(["/api/sessions/s1"]));
  });

  it("saves an uploaded storage state, read in the browser", async () => {
    const calls = api([]);
    render(<SessionsPage />);
    expect(await screen.findByText(/No sessions yet/)).toBeTruthy();
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "uploaded" } });
    fireEvent.click(screen.getByLabelText(/Storage state/));
    const state = { cookies: [{ name: "sid", value: "1", domain: "shop.example", path: "/" }], origins: [] };
    fireEvent.change(screen.getByLabelText("Storage state file"), { target: { files: [new File([JSON.stringify(state)], "state.json")] } });
    await screen.findByText(/state.json: read in the browser/);
    fireEvent.click(screen.getByText("Save session"));
    expect(await screen.findByText("Session uploaded saved.")).toBeTruthy();
    expect(calls.find((c) => c.method === "POST")?.body).toEqual({ name: "uploaded", storage_state: state });
  });

  it("says what is missing before sending a login without actions", async () => {
    const calls = api([]);
    render(<SessionsPage />);
    fireEvent.change(screen.getByLabelText("Name"), { target: { value: "shop" } });
    fireEvent.change(screen.getByLabelText("Login page"), { target: { value: "https://shop.example/login" } });
    fireEvent.click(screen.getByText("Save session"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/add the actions that log in/);
    expect(calls.some((c) => c.method === "POST")).toBe(false);
  });
});
