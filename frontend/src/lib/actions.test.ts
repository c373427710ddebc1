import { describe, expect, it } from "vitest";
import { ActionError, addAction, buildAction, buildActions, draftsFromActions, emptyAction, moveAction, removeAction, updateAction, withoutScripts, type ActionDraft } from "./actions";

const draft = (type: ActionDraft["type"], patch: Partial<ActionDraft> = {}): ActionDraft => ({ ...emptyAction(type), ...patch });
const types = (list: ActionDraft[]) => list.map((a) => a.type);

describe("action list", () => {
  it("adds at the end, removes by index and updates one action only", () => {
    let list = addAction(addAction([], "click"), "wait");
    expect(types(list)).toEqual(["click", "wait"]);
    list = updateAction(list, 0, { selector: "button.more" });
    expect(list.map((a) => a.selector)).toEqual(["button.more", ""]);
    expect(types(removeAction(list, 0))).toEqual(["wait"]);
  });

  it("moves an action up and down, keeps its identity, and leaves the list alone at either end", () => {
    const list = [draft("click"), draft("wait"), draft("scrape")];
    const up = moveAction(list, 2, -1);
    expect(types(up)).toEqual(["click", "scrape", "wait"]);
    expect(up[1]!.id).toBe(list[2]!.id);
    expect(types(moveAction(list, 0, 1))).toEqual(["wait", "click", "scrape"]);
    expect(moveAction(list, 0, -1)).toBe(list);
    expect(moveAction(list, 2, 1)).toBe(list);
  });

  it("gives every new action its own id", () => {
    expect(emptyAction("click").id).not.toBe(emptyAction("click").id);
  });
});

describe("actions as the API takes them", () => {
  it("writes each type with only what differs from the API's defaults", () => {
    const sent = buildActions([
      draft("click", { selector: " button.more ", repeat: "5" }),
      draft("click", { selector: "#accept", optional: true }),
      draft("wait", { milliseconds: "500" }),
      draft("wait", { waitFor: "selector", selector: ".item" }),
      draft("write", { selector: "input[name=q]", text: "mug" }),
      draft("press", { key: "Enter" }),
      draft("select", { selector: "select#size", value: "L" }),
      draft("hover", { selector: ".menu" }),
      draft("scroll", { until: "end", maxScrolls: "20" }),
      draft("scroll", { until: "selector", selector: "#footer", direction: "up" }),
      draft("scroll", { until: "screens", screens: "3" }),
      draft("screenshot", { fullPage: true, timeoutMs: "20000" }),
      draft("scrape"),
      draft("pdf"),
    ]);
    expect(sent).toEqual([
      { type: "click", selector: "button.more", repeat: 5 },
      { type: "click", selector: "#accept", optional: true },
      { type: "wait", milliseconds: 500 },
      { type: "wait", selector: ".item" },
      { type: "write", selector: "input[name=q]", text: "mug" },
      { type: "press", key: "Enter" },
      { type: "select", selector: "select#size", value: "L" },
      { type: "hover", selector: ".menu" },
      { type: "scroll", until: "end", max_scrolls: 20 },
      { type: "scroll", direction: "up", until: "selector", selector: "#footer" },
      { type: "scroll", until: 3 },
      { type: "screenshot", full_page: true, timeout_ms: 20000 },
      { type: "scrape" },
      { type: "pdf" },
    ]);
  });

  it("names the action by its number and type when a field is missing or out of range", () => {
    const fails = (list: ActionDraft[]) => {
      try {
        buildActions(list);
      } catch (e) {
        expect(e).toBeInstanceOf(ActionError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(fails([draft("wait"), draft("click")])).toBe("Action 2 (click): give a selector.");
    expect(fails([draft("click", { selector: "a", repeat: "0" })])).toBe("Action 1 (click): repeat must be a whole number from 1 to 1000.");
    expect(fails([draft("wait", { milliseconds: "90000" })])).toBe("Action 1 (wait): milliseconds must be a whole number from 1 to 60000.");
    expect(fails([draft("scroll", { until: "selector" })])).toBe("Action 1 (scroll): give a selector.");
    expect(fails([draft("press", { key: " " })])).toMatch(/^Action 1 \(press\): give a key/);
    expect(fails([draft("hover", { selector: "a", timeoutMs: "1.5" })])).toMatch(/timeout \(ms\) must be a whole number/);
    expect(fails(Array.from({ length: 101 }, () => draft("scrape")))).toMatch(/At most 100 actions/);
  });

  it("reads a job's actions back into drafts that send the same actions, evaluate included", () => {
    const actions = [
      { type: "click", selector: "button.more", repeat: 5, all: true },
      { type: "wait", selector: ".item", timeout_ms: 3000 },
      { type: "scroll", until: 4, max_scrolls: 10, direction: "up" },
      { type: "scroll", until: "end" },
      { type: "evaluate", script: "1" },
      { type: "screenshot", full_page: true },
    ];
    const { drafts, dropped } = draftsFromActions([...actions, { type: "teleport" }]);
    expect(dropped).toBe(1);
    expect(buildActions(drafts)).toEqual(actions);
    // Where the API refuses scripts, the form leaves them out and counts them.
    const kept = withoutScripts(drafts);
    expect(kept.dropped).toBe(1);
    expect(buildActions(kept.drafts)).toEqual(actions.filter((a) => a.type !== "evaluate"));
    expect(buildAction(draftsFromActions([{ type: "wait", milliseconds: 250 }]).drafts[0]!, 0)).toEqual({ type: "wait", milliseconds: 250 });
  });
});
