import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { useScriptActions } from "../lib/useScriptActions";
import { CAPTURE_ACTIONS, buildActions, type ActionDraft } from "../lib/actions";
import { ActionsEditor } from "./ActionsEditor";

let latest: ActionDraft[] = [];

function Harness({ hidden, scripts }: { hidden?: ReadonlySet<string>; scripts?: boolean }) {
  const [actions, setActions] = useState<ActionDraft[]>([]);
  latest = actions;
  return <ActionsEditor value={actions} onChange={setActions} hidden={hidden} scripts={scripts} />;
}

const offered = () => Array.from((screen.getByLabelText("Add an action") as HTMLSelectElement).options).map((o) => o.value);

function add(type: string) {
  fireEvent.change(screen.getByLabelText("Add an action"), { target: { value: type } });
  fireEvent.click(screen.getByText("+ Add action"));
}

/** The editor as the scrape form shows it: scripts offered as `/health` says. */
function FormHarness() {
  return <Harness scripts={useScriptActions()} />;
}

function stubHealth(features: unknown) {
  vi.stubGlobal(
    "fetch",
    vi.fn(async () =>
      new Response(
        JSON.stringify({
          status: "ok", version: "0.1.0", database: { status: "ok", dialect: "sqlite" }, workers: { alive: 1, slots: 2, running: 0 },
          capabilities: {}, problems: [], queue: { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 },
          limits: { max_queued_jobs: 10000 }, features,
        }),
        { headers: { "Content-Type": "application/json" } },
      ),
    ),
  );
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  latest = [];
});

describe("ActionsEditor", () => {
  it("reads from /health whether to offer evaluate", async () => {
    stubHealth({ script_actions: true });
    const { unmount } = render(<FormHarness />);
    await waitFor(() => expect(offered()).toContain("evaluate"));
    unmount();

    stubHealth({ script_actions: false });
    render(<FormHarness />);
    await waitFor(() => expect(fetch).toHaveBeenCalled());
    expect(offered()).not.toContain("evaluate");
  });

  it("offers evaluate only where the API accepts scripts, with the script in a text area", () => {
    const { unmount } = render(<Harness />);
    expect(offered()).not.toContain("evaluate");
    expect(offered()).toContain("click");
    unmount();

    render(<Harness scripts />);
    expect(offered()).toContain("evaluate");
    add("evaluate");
    const script = screen.getByLabelText("Action 1 script");
    expect(script.tagName).toBe("TEXTAREA");
    expect(() => buildActions(latest)).toThrow("Action 1 (evaluate): give the JavaScript to run.");
    fireEvent.change(script, { target: { value: "document.querySelector('#consent')?.remove()" } });
    expect(buildActions(latest)).toEqual([{ type: "evaluate", script: "document.querySelector('#consent')?.remove()" }]);
  });

  it("adds actions of each kind with their own fields and builds them in order", () => {
    render(<Harness />);
    expect(screen.getByText(/No actions/)).toBeTruthy();
    add("click");
    fireEvent.change(screen.getByLabelText("Action 1 selector"), { target: { value: "button.more" } });
    fireEvent.change(screen.getByLabelText("Action 1 repeat"), { target: { value: "5" } });
    add("scroll");
    fireEvent.change(screen.getByLabelText("Action 2 scrolls until"), { target: { value: "selector" } });
    fireEvent.change(screen.getByLabelText("Action 2 selector"), { target: { value: "#footer" } });
    add("wait");
    fireEvent.change(screen.getByLabelText("Action 3 milliseconds"), { target: { value: "250" } });
    add("screenshot");
    fireEvent.click(screen.getByLabelText("Action 4: Full page"));
    fireEvent.click(screen.getByLabelText(/Action 4: Optional/));
    expect(buildActions(latest)).toEqual([
      { type: "click", selector: "button.more", repeat: 5 },
      { type: "scroll", until: "selector", selector: "#footer" },
      { type: "wait", milliseconds: 250 },
      { type: "screenshot", full_page: true, optional: true },
    ]);
  });

  it("moves actions with buttons that keep the keyboard focus, and removes them", () => {
    render(<Harness />);
    add("click");
    add("wait");
    add("scrape");
    expect(screen.getByLabelText("Move action 1 up")).toHaveProperty("disabled", true);
    expect(screen.getByLabelText("Move action 3 down")).toHaveProperty("disabled", true);

    const down = screen.getByLabelText("Move action 1 down");
    down.focus();
    fireEvent.click(down);
    expect(latest.map((a) => a.type)).toEqual(["wait", "click", "scrape"]);
    // The click action is second now; focus stayed on its "down" button.
    expect(document.activeElement).toBe(screen.getByLabelText("Move action 2 down"));
    fireEvent.click(document.activeElement!);
    expect(latest.map((a) => a.type)).toEqual(["wait", "scrape", "click"]);
    // At the end "down" is disabled: focus moves to "up" of the same action.
    expect(document.activeElement).toBe(screen.getByLabelText("Move action 3 up"));

    fireEvent.click(screen.getByLabelText("Remove action 1"));
    expect(latest.map((a) => a.type)).toEqual(["scrape", "click"]);
  });

  it("does not offer screenshots and PDFs in a batch", () => {
    render(<Harness hidden={CAPTURE_ACTIONS} />);
    const offered = Array.from((screen.getByLabelText("Add an action") as HTMLSelectElement).options).map((o) => o.value);
    expect(offered).toContain("click");
    expect(offered).not.toContain("screenshot");
    expect(offered).not.toContain("pdf");
    expect(offered).not.toContain("evaluate");
  });
});
