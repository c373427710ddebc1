import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { CAPTURE_ACTIONS, buildActions, type ActionDraft } from "../lib/actions";
import { ActionsEditor } from "./ActionsEditor";

let latest: ActionDraft[] = [];

function Harness({ hidden }: { hidden?: ReadonlySet<string> }) {
  const [actions, setActions] = useState<ActionDraft[]>([]);
  latest = actions;
  return <ActionsEditor value={actions} onChange={setActions} hidden={hidden} />;
}

function add(type: string) {
  fireEvent.change(screen.getByLabelText("Add an action"), { target: { value: type } });
  fireEvent.click(screen.getByText("+ Add action"));
}

afterEach(() => {
  cleanup();
  latest = [];
});

describe("ActionsEditor", () => {
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
