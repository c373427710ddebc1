import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { NewMonitorPage } from "./NewMonitorPage";

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

const session = (name: string, status: string) => ({
  session_id: name, name, kind: "login", status, cookie_count: 1, cookie_domains: ["shop.example"], has_state: true,
  origin_count: 0, state_version: 1, created_at: "2026-12-01T10:00:00Z", updated_at: "2026-12-01T10:00:00Z",
});

/** The bodies the page sent; the API answers with `answer` (and lists `sessions` to the session picker). */
function stubApi(answer: () => Response, sessions: unknown[] = []) {
  const bodies: unknown[] = [];
  vi.stubGlobal(
    "fetch",
    vi.fn(async (request: Request) => {
      if (request.method === "GET" && new URL(request.url).pathname === "/api/sessions") return json({ items: sessions, next_cursor: null });
      bodies.push(await request.json());
      return answer();
    }),
  );
  return bodies;
}

const change = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label, { exact: true }), { target: { value } });

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("New monitor form", () => {
  it("sends the monitor as filled in: conditions and notify targets from their rows", async () => {
    const bodies = stubApi(() => json({ monitor_id: "m1" }, 201));
    render(<NewMonitorPage />);
    change("Name", "prices");
    change("URL", "https://shop.example/");
    change("Check every", "1h");
    fireEvent.click(screen.getByText("+ Add condition"));
    change("Condition 1 field", "price");
    change("Condition 1 operator", "lt");
    change("Condition 1 value", "100");
    fireEvent.click(screen.getByText("+ Add notify target"));
    change("Notify 1 URL", "https://hooks.example/x");
    fireEvent.click(screen.getByRole("group", { name: "Notify 1 events" }).querySelectorAll("input")[1]!);
    fireEvent.click(screen.getByLabelText(/Confirm removals/));
    fireEvent.submit(screen.getByRole("button", { name: "Create monitor" }).closest("form")!);
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toEqual({
      name: "prices",
      target: { url: "https://shop.example/", strategy: "static", schema: { title: "string" } },
      every: "1h",
      conditions: [{ field: "price", op: "lt", value: 100 }],
      notify: [{ url: "https://hooks.example/x", events: ["change", "failed"] }],
      confirm_removals: false,
    });
  });

  it("offers the saved sessions and sends the one chosen as the target's session", async () => {
    const bodies = stubApi(() => json({ monitor_id: "m1" }, 201), [session("shop-account", "ready"), session("news", "failed")]);
    render(<NewMonitorPage />);
    change("Name", "orders");
    change("URL", "https://shop.example/account/orders");
    await screen.findByText("shop-account (logged in)");
    const picker = screen.getByLabelText("Session (optional)") as HTMLSelectElement;
    expect(Array.from(picker.options).map((o) => o.text)).toEqual(["No session", "shop-account (logged in)", "news (last login failed)"]);
    expect(screen.getByText(/Each check runs logged in/)).toBeTruthy();
    fireEvent.change(picker, { target: { value: "shop-account" } });
    fireEvent.submit(screen.getByRole("button", { name: "Create monitor" }).closest("form")!);
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect((bodies[0] as { target: unknown }).target).toEqual({
      url: "https://shop.example/account/orders",
      strategy: "static",
      schema: { title: "string" },
      session: "shop-account",
    });
  });

  it("shows the API's 422 at the fields it names", async () => {
    stubApi(() =>
      json(
        {
          error: {
            code: "validation_error",
            message: "Invalid request",
            details: [
              { field: "body.every", message: "Value error, checks run at most every 10 s", type: "value_error" },
              { field: "body.target.url", message: "Value error, Only http and https URLs are allowed", type: "value_error" },
            ],
          },
        },
        422,
      ),
    );
    render(<NewMonitorPage />);
    change("Name", "prices");
    change("Check every", "1s");
    fireEvent.submit(screen.getByRole("button", { name: "Create monitor" }).closest("form")!);
    const every = screen.getByLabelText("Check every");
    await waitFor(() => expect(every.getAttribute("aria-invalid")).toBe("true"));
    expect(document.getElementById(every.getAttribute("aria-describedby")!)!.textContent).toBe("checks run at most every 10 s");
    expect(screen.getByLabelText("URL", { exact: true }).getAttribute("aria-invalid")).toBe("true");
    expect(screen.getByRole("alert").textContent).toContain("Invalid request");
  });
});
