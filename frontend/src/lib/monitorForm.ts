/** The New-monitor form's state and the `POST /api/monitors` body it becomes. */

import type { FieldProblem } from "../api/client";
import type { ConditionOp, Monitor, MonitorCondition, MonitorIn, NotifyEvent, NotifyTarget } from "../api/types";
import { buildScrapeRequest, defaultScrapeForm, formFromRequest, type ScrapeForm } from "./scrapeForm";

export const WATCH_FORMATS = ["data", "markdown", "text"] as const;
export type WatchFormat = (typeof WATCH_FORMATS)[number];
export const CONDITION_OPS: ConditionOp[] = ["decreased", "increased", "changed", "lt", "gt", "eq", "contains"];
/** Ops that compare with a value (the others look at the change itself). */
export const OPS_WITH_VALUE: ConditionOp[] = ["lt", "gt", "eq", "contains"];
export const NOTIFY_EVENTS: NotifyEvent[] = ["change", "failed", "suspect"];

export interface ConditionRow {
  field: string;
  op: ConditionOp;
  value: string;
}

export interface NotifyRow {
  url: string;
  events: NotifyEvent[];
}

export interface MonitorForm {
  name: string;
  /** The scrape each check runs; its `name` stays empty (a check is named after its monitor). */
  target: ScrapeForm;
  watch: WatchFormat[];
  timing: "every" | "cron";
  every: string;
  cron: string;
  timezone: string;
  key: string;
  compare: string;
  ignore: string;
  conditions: ConditionRow[];
  match: "all" | "any";
  notify: NotifyRow[];
  confirmRemovals: boolean;
  minRatio: string;
  enabled: boolean;
  /** An edited monitor's target as stored: the parts this form does not show (crawl, options, ...) stay. */
  baseTarget?: Record<string, unknown>;
}

export function defaultMonitorForm(): MonitorForm {
  return {
    name: "",
    target: defaultScrapeForm(),
    watch: ["data"],
    timing: "every",
    every: "15m",
    cron: "",
    timezone: "UTC",
    key: "url",
    compare: "",
    ignore: "",
    conditions: [],
    match: "all",
    notify: [],
    confirmRemovals: true,
    minRatio: "0.5",
    enabled: true,
  };
}

/** Comma- or line-separated names, trimmed, without empties or repeats. */
export function nameList(text: string): string[] {
  return [...new Set(text.split(/[,\n]/).map((s) => s.trim()).filter(Boolean))];
}

const lines = (text: string) => text.split("\n").map((l) => l.trim()).filter(Boolean);

/**
 * A condition's value as typed: a number for `lt`/`gt`, text for `contains`, and for `eq` a number,
 * `true`/`false`/`null` when it reads as one, else the text.
 */
export function conditionValue(op: ConditionOp, text: string): unknown {
  const trimmed = text.trim();
  if (op === "contains") return text;
  if (op === "lt" || op === "gt") return trimmed === "" || Number.isNaN(Number(trimmed)) ? trimmed : Number(trimmed);
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed === "null") return null;
  if (trimmed !== "" && !Number.isNaN(Number(trimmed))) return Number(trimmed);
  return text;
}

/** The request body; throws SchemaError when the schema editor holds something invalid. */
export function buildMonitorRequest(form: MonitorForm): MonitorIn {
  const built = buildScrapeRequest({ ...form.target, name: "", formats: [] });
  // The form shows these: one it leaves empty (no session, ...) is gone from the target, not kept.
  const { url: _url, strategy: _strategy, schema: _schema, formats: _formats, session: _session, ...kept } = form.baseTarget ?? {};
  const target = { ...kept, ...built } as MonitorIn["target"];
  if (kept.options && built.options) target.options = { ...(kept.options as object), ...built.options };
  const watch = WATCH_FORMATS.filter((f) => form.watch.includes(f));
  if (watch.length && !(watch.length === 1 && watch[0] === "data")) target.formats = watch;
  // Text watching alone extracts nothing: the schema would only cost time.
  if (!watch.includes("data")) delete target.schema;
  const body: MonitorIn = { name: form.name.trim(), target };
  if (form.timing === "every") body.every = form.every.trim();
  else body.cron = form.cron.trim();
  if (form.timezone.trim() && form.timezone.trim() !== "UTC") body.timezone = form.timezone.trim();
  const key = nameList(form.key);
  if (key.length && !(key.length === 1 && key[0] === "url")) body.key = key;
  const compare = nameList(form.compare);
  if (compare.length) body.compare = compare;
  if (lines(form.ignore).length) body.ignore = lines(form.ignore);
  const conditions: MonitorCondition[] = form.conditions
    .filter((c) => c.field.trim())
    .map((c) => (OPS_WITH_VALUE.includes(c.op) ? { field: c.field.trim(), op: c.op, value: conditionValue(c.op, c.value) } : { field: c.field.trim(), op: c.op }));
  if (conditions.length) {
    body.conditions = conditions;
    if (form.match !== "all") body.match = form.match;
  }
  const notify: NotifyTarget[] = form.notify
    .filter((n) => n.url.trim())
    .map((n) => (n.events.length === 1 && n.events[0] === "change" ? { url: n.url.trim() } : { url: n.url.trim(), events: n.events }));
  if (notify.length) body.notify = notify;
  if (!form.confirmRemovals) body.confirm_removals = false;
  const ratio = form.minRatio.trim();
  if (ratio !== "" && Number(ratio) !== 0.5) body.min_ratio = Number(ratio);
  if (!form.enabled) body.enabled = false;
  return body;
}

/**
 * The form's input for a field the API named in a 422 (`body.target.url` -> `monitor-url`); `null`
 * for a problem with the whole body, shown above the buttons only.
 */
export function inputFor(field: string): string | null {
  const path = field.replace(/^body\.?/, "");
  if (!path) return null;
  const [head, second] = path.split(".");
  switch (head) {
    case "name":
    case "every":
    case "cron":
    case "timezone":
    case "key":
    case "compare":
    case "ignore":
    case "min_ratio":
      return `monitor-${head.replace("_", "-")}`;
    case "conditions":
      return second !== undefined && /^\d+$/.test(second) ? `condition-${second}` : "monitor-conditions";
    case "notify":
      return second !== undefined && /^\d+$/.test(second) ? `notify-${second}` : "monitor-notify";
    case "target":
      if (second === "url") return "monitor-url";
      if (second === "schema") return "monitor-schema";
      if (second === "formats") return "monitor-watch";
      if (second === "session") return "monitor-session";
      return "monitor-url";
    default:
      return null;
  }
}

/** A 422's problems by the form input they belong to. */
export function problemsByInput(problems: FieldProblem[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const p of problems) {
    const input = inputFor(p.field ?? "");
    if (input) (out[input] ??= []).push(p.message.replace(/^Value error, /, ""));
  }
  return out;
}

/** The form filled from a monitor (to edit it); notify URLs come back redacted and are kept so. */
export function formFromMonitor(monitor: Monitor): MonitorForm {
  const form = defaultMonitorForm();
  const formats = Array.isArray(monitor.target.formats) ? (monitor.target.formats as string[]) : ["data"];
  const text = (v: unknown) => (v === undefined || v === null ? "" : typeof v === "string" ? v : JSON.stringify(v));
  return {
    ...form,
    name: monitor.name,
    target: { ...formFromRequest(monitor.target, null), crawl: form.target.crawl },
    baseTarget: monitor.target,
    watch: WATCH_FORMATS.filter((f) => formats.includes(f)),
    timing: monitor.cron ? "cron" : "every",
    every: monitor.every ?? form.every,
    cron: monitor.cron ?? "",
    timezone: monitor.timezone,
    key: monitor.key.join(", "),
    compare: monitor.compare?.join(", ") ?? "",
    ignore: monitor.ignore.join("\n"),
    conditions: monitor.conditions.map((c) => ({ field: text(c.field), op: c.op as ConditionOp, value: text(c.value) })),
    match: monitor.match,
    notify: monitor.notify.map((n) => ({ url: n.url, events: NOTIFY_EVENTS.filter((e) => n.events.includes(e)) })),
    confirmRemovals: monitor.confirm_removals,
    minRatio: String(monitor.min_ratio),
    enabled: monitor.enabled,
  };
}
