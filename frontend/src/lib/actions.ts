/**
 * Browser actions as the New-scrape form edits them (every field a string or a box, whatever the
 * type) and the `actions` list of the request they become (and back, to edit a job again).
 */

import type { ScrapeRequest } from "../api/types";

export type Action = NonNullable<ScrapeRequest["actions"]>[number];
export type ActionType = Action["type"];
type Scroll = Extract<Action, { type: "scroll" }>;

export const ACTION_TYPES: Array<{ type: ActionType; label: string }> = [
  { type: "click", label: "Click" },
  { type: "wait", label: "Wait" },
  { type: "scroll", label: "Scroll" },
  { type: "write", label: "Write text" },
  { type: "press", label: "Press a key" },
  { type: "select", label: "Choose an option" },
  { type: "hover", label: "Hover" },
  { type: "scrape", label: "Extract now" },
  { type: "screenshot", label: "Screenshot" },
  { type: "pdf", label: "PDF" },
  { type: "evaluate", label: "Run JavaScript" },
];
/**
 * Custom JavaScript: the API refuses it unless its operator set ALLOW_SCRIPT_ACTIONS=true, which
 * `/health` tells as `features.script_actions`; the editor offers it only then.
 */
export const SCRIPT_ACTIONS: ReadonlySet<string> = new Set<ActionType>(["evaluate"]);
/** Captures are files of one page: a batch refuses them. */
export const CAPTURE_ACTIONS: ReadonlySet<string> = new Set<ActionType>(["screenshot", "pdf"]);
/** Actions that make records or files: a login has no output, and the API refuses them there. */
export const OUTPUT_ACTIONS: ReadonlySet<string> = new Set<ActionType>(["scrape", "screenshot", "pdf"]);
// The API's bounds (backend_fastapi/schemas/actions.py), checked here so the form says it first.
export const MAX_ACTIONS = 100;
const MAX_WAIT_MS = 60_000;
const MAX_TIMEOUT_MS = 120_000;
const MAX_REPEAT = 1000;
const MAX_SCROLLS = 500;
const MAX_SCRIPT_CHARS = 100_000;

export interface ActionDraft {
  /** Stable across reordering, for React keys and focus; never sent. */
  id: number;
  type: ActionType;
  selector: string;
  waitFor: "time" | "selector";
  milliseconds: string;
  all: boolean;
  repeat: string;
  text: string;
  key: string;
  value: string;
  direction: "down" | "up";
  until: "end" | "selector" | "screens";
  screens: string;
  maxScrolls: string;
  fullPage: boolean;
  /** An evaluate action's JavaScript. */
  script: string;
  optional: boolean;
  timeoutMs: string;
}

let nextId = 1;

export function emptyAction(type: ActionType): ActionDraft {
  return {
    id: nextId++,
    type,
    selector: "",
    waitFor: "time",
    milliseconds: "1000",
    all: false,
    repeat: "1",
    text: "",
    key: "Enter",
    value: "",
    direction: "down",
    until: "end",
    screens: "1",
    maxScrolls: "50",
    fullPage: false,
    script: "",
    optional: false,
    timeoutMs: "",
  };
}

// --- List operations: each returns a new list --------------------------------------------------------

export function addAction(list: ActionDraft[], type: ActionType): ActionDraft[] {
  return [...list, emptyAction(type)];
}

export function removeAction(list: ActionDraft[], index: number): ActionDraft[] {
  return list.filter((_, i) => i !== index);
}

export function updateAction(list: ActionDraft[], index: number, patch: Partial<Omit<ActionDraft, "id">>): ActionDraft[] {
  return list.map((a, i) => (i === index ? { ...a, ...patch } : a));
}

/** Move the action at `index` by `by` places (-1 up, +1 down); at either end the list is unchanged. */
export function moveAction(list: ActionDraft[], index: number, by: number): ActionDraft[] {
  const to = index + by;
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return list;
  const moved = [...list];
  const [item] = moved.splice(index, 1);
  moved.splice(to, 0, item!);
  return moved;
}

// --- Drafts to the request's actions -------------------------------------------------------------------

/** An action the form cannot send; the message names it by number and type, as the user sees it. */
export class ActionError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
    this.name = "ActionError";
  }
}

function whole(text: string, name: string, min: number, max: number, fail: (m: string) => never): number {
  const n = Number(text.trim());
  if (text.trim() === "" || !Number.isInteger(n) || n < min || n > max) fail(`${name} must be a whole number from ${min} to ${max}.`);
  return n;
}

/** One draft as the API takes it; only what differs from the API's defaults is written. */
export function buildAction(draft: ActionDraft, index: number): Action {
  const fail = (message: string): never => {
    throw new ActionError(index, `Action ${index + 1} (${draft.type}): ${message}`);
  };
  const selector = () => draft.selector.trim() || fail("give a selector.");
  const common: { optional?: boolean; timeout_ms?: number } = {};
  if (draft.optional) common.optional = true;
  if (draft.timeoutMs.trim()) common.timeout_ms = whole(draft.timeoutMs, "the timeout (ms)", 1, MAX_TIMEOUT_MS, fail);
  switch (draft.type) {
    case "wait":
      return draft.waitFor === "selector"
        ? { type: "wait", selector: selector(), ...common }
        : { type: "wait", milliseconds: whole(draft.milliseconds, "milliseconds", 1, MAX_WAIT_MS, fail), ...common };
    case "click": {
      const click: Action = { type: "click", selector: selector(), ...common };
      if (draft.all) click.all = true;
      const repeat = whole(draft.repeat, "repeat", 1, MAX_REPEAT, fail);
      if (repeat !== 1) click.repeat = repeat;
      return click;
    }
    case "write":
      return { type: "write", selector: selector(), text: draft.text, ...common };
    case "press":
      return { type: "press", key: draft.key.trim() || fail("give a key (Enter, Tab, a character ...)."), ...common };
    case "select":
      return { type: "select", selector: selector(), value: draft.value, ...common };
    case "hover":
      return { type: "hover", selector: selector(), ...common };
    case "scroll": {
      const scroll: Scroll = { type: "scroll", ...common };
      if (draft.direction !== "down") scroll.direction = draft.direction;
      if (draft.until === "screens") {
        const screens = whole(draft.screens, "the number of screens", 1, MAX_SCROLLS, fail);
        if (screens !== 1) scroll.until = screens;
      } else scroll.until = draft.until;
      if (draft.until === "selector") scroll.selector = selector();
      const max = whole(draft.maxScrolls, "max scrolls", 1, MAX_SCROLLS, fail);
      if (max !== 50) scroll.max_scrolls = max;
      return scroll;
    }
    case "screenshot":
      return draft.fullPage ? { type: "screenshot", full_page: true, ...common } : { type: "screenshot", ...common };
    case "scrape":
      return { type: "scrape", ...common };
    case "pdf":
      return { type: "pdf", ...common };
    case "evaluate":
      if (!draft.script.trim()) fail("give the JavaScript to run.");
      if (draft.script.length > MAX_SCRIPT_CHARS) fail(`the script may be at most ${MAX_SCRIPT_CHARS} characters.`);
      return { type: "evaluate", script: draft.script, ...common };
  }
}

/** The request's `actions`; throws ActionError for the first action that cannot be sent. */
export function buildActions(drafts: ActionDraft[]): Action[] {
  if (drafts.length > MAX_ACTIONS) throw new ActionError(MAX_ACTIONS, `At most ${MAX_ACTIONS} actions per request (there are ${drafts.length}).`);
  return drafts.map(buildAction);
}

// --- A job's actions back to drafts ------------------------------------------------------------------

const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));

/** A draft from an action of an earlier request; `null` for one the form does not know. */
export function draftFromAction(action: Record<string, unknown>): ActionDraft | null {
  const type = ACTION_TYPES.find((t) => t.type === action.type)?.type;
  if (!type) return null;
  const draft = emptyAction(type);
  draft.selector = str(action.selector);
  draft.optional = action.optional === true;
  draft.timeoutMs = str(action.timeout_ms);
  if (type === "wait") {
    draft.waitFor = action.selector ? "selector" : "time";
    draft.milliseconds = str(action.milliseconds) || draft.milliseconds;
  }
  if (type === "click") {
    draft.all = action.all === true;
    draft.repeat = str(action.repeat) || "1";
  }
  if (type === "write") draft.text = str(action.text);
  if (type === "press") draft.key = str(action.key);
  if (type === "select") draft.value = str(action.value);
  if (type === "scroll") {
    draft.direction = action.direction === "up" ? "up" : "down";
    const until = action.until ?? 1;
    draft.until = until === "end" || until === "selector" ? until : "screens";
    if (typeof until === "number") draft.screens = String(until);
    draft.maxScrolls = str(action.max_scrolls) || "50";
  }
  if (type === "screenshot") draft.fullPage = action.full_page === true;
  if (type === "evaluate") draft.script = str(action.script);
  return draft;
}

/** Drafts for a request's `actions`, and how many could not be shown. */
export function draftsFromActions(actions: unknown): { drafts: ActionDraft[]; dropped: number } {
  if (!Array.isArray(actions)) return { drafts: [], dropped: 0 };
  const drafts = actions.map((a) => (typeof a === "object" && a !== null ? draftFromAction(a as Record<string, unknown>) : null));
  const kept = drafts.filter((d): d is ActionDraft => d !== null);
  return { drafts: kept, dropped: drafts.length - kept.length };
}

/** The drafts without `evaluate` ones (where the API refuses scripts), and how many were left out. */
export function withoutScripts(drafts: ActionDraft[]): { drafts: ActionDraft[]; dropped: number } {
  const kept = drafts.filter((d) => !SCRIPT_ACTIONS.has(d.type));
  return { drafts: kept, dropped: drafts.length - kept.length };
}
