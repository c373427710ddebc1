/**
 * The pipeline steps the editor offers, with the fields of each (as the API's step models name
 * them), and the text codecs that turn form inputs into step JSON and back.
 */

export type Step = Record<string, unknown> & { op: string };

export type FieldKind =
  | { kind: "columns"; required?: boolean }
  | { kind: "mapping"; values: "text" | "scalar" | "type" }
  | { kind: "text"; required?: boolean; placeholder?: string }
  | { kind: "number"; required?: boolean }
  | { kind: "bool" }
  | { kind: "select"; options: string[]; optional?: boolean }
  | { kind: "json"; placeholder?: string };

export interface OpField {
  key: string;
  label: string;
  help?: string;
  type: FieldKind;
}

export interface OpSpec {
  op: string;
  title: string;
  fields: OpField[];
  initial: Record<string, unknown>;
}

export const CAST_TYPES = ["string", "number", "integer", "boolean", "date", "datetime"];
const cols = (required = false): FieldKind => ({ kind: "columns", required });

export const OPS: OpSpec[] = [
  { op: "select", title: "Keep columns", fields: [{ key: "columns", label: "Columns", type: cols(true) }], initial: { columns: [] } },
  {
    op: "drop",
    title: "Drop columns",
    fields: [
      { key: "columns", label: "Columns", type: cols(true) },
      { key: "missing_ok", label: "Skip columns that do not exist", type: { kind: "bool" } },
    ],
    initial: { columns: [] },
  },
  {
    op: "rename",
    title: "Rename columns",
    fields: [{ key: "columns", label: "Renames", help: "One per line: old: new", type: { kind: "mapping", values: "text" } }],
    initial: { columns: {} },
  },
  {
    op: "cast",
    title: "Convert types",
    fields: [
      { key: "columns", label: "Columns and types", help: `One per line: column: ${CAST_TYPES.join(" | ")}`, type: { kind: "mapping", values: "type" } },
      { key: "errors", label: "Values that do not convert", type: { kind: "select", options: ["null", "fail"] } },
    ],
    initial: { columns: {} },
  },
  {
    op: "fill_null",
    title: "Fill missing values",
    fields: [
      { key: "columns", label: "Columns and values", help: "One per line: column: value (numbers stay numbers)", type: { kind: "mapping", values: "scalar" } },
      { key: "blank_as_null", label: "Treat blank text as missing", type: { kind: "bool" } },
    ],
    initial: { columns: {} },
  },
  {
    op: "drop_null",
    title: "Drop rows with missing values",
    fields: [
      { key: "columns", label: "Columns", help: "Empty: all columns", type: cols() },
      { key: "how", label: "Drop when", type: { kind: "select", options: ["any", "all"] } },
      { key: "blank_as_null", label: "Treat blank text as missing", type: { kind: "bool" } },
    ],
    initial: {},
  },
  {
    op: "dedupe",
    title: "Remove duplicates",
    fields: [
      { key: "subset", label: "Compare columns", help: "Empty: all columns", type: cols() },
      { key: "keep", label: "Keep", type: { kind: "select", options: ["first", "last"] } },
    ],
    initial: {},
  },
  {
    op: "filter",
    title: "Filter rows",
    fields: [{ key: "expr", label: "Keep rows where", help: "e.g. price > 10 and title contains \"shoe\"", type: { kind: "text", required: true, placeholder: "price > 0" } }],
    initial: { expr: "" },
  },
  {
    op: "sort",
    title: "Sort",
    fields: [
      { key: "by", label: "By columns", type: cols(true) },
      { key: "descending", label: "Descending", type: { kind: "bool" } },
      { key: "nulls", label: "Missing values", type: { kind: "select", options: ["last", "first"] } },
    ],
    initial: { by: [] },
  },
  {
    op: "limit",
    title: "Limit rows",
    fields: [
      { key: "n", label: "Rows", type: { kind: "number", required: true } },
      { key: "offset", label: "Skip first", type: { kind: "number" } },
    ],
    initial: { n: 100 },
  },
  { op: "trim", title: "Trim whitespace", fields: [{ key: "columns", label: "Columns", help: "Empty: all text columns", type: cols() }], initial: {} },
  {
    op: "normalize",
    title: "Normalize text",
    fields: [
      { key: "columns", label: "Columns", help: "Empty: all text columns", type: cols() },
      { key: "whitespace", label: "Whitespace", type: { kind: "select", options: ["collapse", "trim", "keep"] } },
      { key: "case", label: "Case", type: { kind: "select", options: ["lower", "upper", "title"], optional: true } },
      { key: "unicode", label: "Unicode NFKC", type: { kind: "bool" } },
      { key: "blank_as_null", label: "Blank text to missing", type: { kind: "bool" } },
    ],
    initial: {},
  },
  {
    op: "regex_extract",
    title: "Extract with a regular expression",
    fields: [
      { key: "column", label: "From column", type: { kind: "text", required: true } },
      { key: "pattern", label: "Pattern", type: { kind: "text", required: true, placeholder: "(\\d+(?:\\.\\d+)?)" } },
      { key: "into", label: "Into columns", help: "One per group; empty when the groups are named", type: cols() },
    ],
    initial: { column: "", pattern: "" },
  },
  {
    op: "split",
    title: "Split text",
    fields: [
      { key: "column", label: "Column", type: { kind: "text", required: true } },
      { key: "separator", label: "Separator", type: { kind: "text", required: true, placeholder: "," } },
      { key: "into", label: "Into columns", help: "Or tick “one row per part”", type: cols() },
      { key: "explode", label: "One row per part", type: { kind: "bool" } },
      { key: "regex", label: "Separator is a regex", type: { kind: "bool" } },
    ],
    initial: { column: "", separator: "," },
  },
  {
    op: "merge",
    title: "Merge columns",
    fields: [
      { key: "columns", label: "Columns", type: cols(true) },
      { key: "into", label: "Into", type: { kind: "text", required: true } },
      { key: "separator", label: "Separator", type: { kind: "text", placeholder: "(a space)" } },
      { key: "drop", label: "Drop the merged columns", type: { kind: "bool" } },
    ],
    initial: { columns: [], into: "" },
  },
  {
    op: "derive",
    title: "Compute columns",
    fields: [{ key: "columns", label: "New columns", help: "One per line: name: expression, e.g. total: price * qty", type: { kind: "mapping", values: "text" } }],
    initial: { columns: {} },
  },
  {
    op: "join",
    title: "Join another source",
    fields: [
      { key: "source", label: "Source (JSON)", type: { kind: "json", placeholder: '{"type": "latest", "name": "prices"}' } },
      { key: "on", label: "On columns", type: cols() },
      { key: "how", label: "How", type: { kind: "select", options: ["left", "inner", "right", "outer"] } },
    ],
    initial: { source: { type: "job", job_id: "" }, on: [] },
  },
  {
    op: "append",
    title: "Append another source",
    fields: [{ key: "source", label: "Source (JSON)", type: { kind: "json" } }],
    initial: { source: { type: "job", job_id: "" } },
  },
  {
    op: "aggregate",
    title: "Group and aggregate",
    fields: [
      { key: "group_by", label: "Group by", type: cols() },
      {
        key: "aggregations",
        label: "Aggregations (JSON)",
        help: "fn: count, count_distinct, sum, mean, median, min, max, first, last",
        type: { kind: "json", placeholder: '[{"fn": "count"}, {"fn": "mean", "column": "price"}]' },
      },
    ],
    initial: { group_by: [], aggregations: [{ fn: "count" }] },
  },
  {
    op: "validate",
    title: "Validate",
    fields: [
      {
        key: "rules",
        label: "Rules (JSON)",
        help: "check: not_null, unique, between, matches, in_set, type",
        type: { kind: "json", placeholder: '[{"column": "price", "check": "between", "min": 0, "max": 100000}]' },
      },
      { key: "on_fail", label: "On failure", type: { kind: "select", options: ["fail", "drop", "warn"] } },
    ],
    initial: { rules: [{ column: "", check: "not_null" }], on_fail: "drop" },
  },
];

export function opSpec(op: string): OpSpec | undefined {
  return OPS.find((o) => o.op === op);
}

export function newStep(op: string): Step {
  const spec = opSpec(op);
  return { op, ...structuredClone(spec?.initial ?? {}) };
}

/** "a, b ,c" -> ["a", "b", "c"]. */
export function parseColumns(text: string): string[] {
  return text
    .split(",")
    .map((c) => c.trim())
    .filter(Boolean);
}

export function formatColumns(value: unknown): string {
  return Array.isArray(value) ? value.map(String).join(", ") : "";
}

/** A typed value from form text: numbers, true/false and null stay what they say; quotes force text. */
export function parseScalar(text: string): string | number | boolean | null {
  const t = text.trim();
  if (t === "null") return null;
  if (t === "true") return true;
  if (t === "false") return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t)) return Number(t);
  const quoted = /^"(.*)"$/.exec(t);
  return quoted ? (quoted[1] ?? "") : t;
}

function formatScalar(value: unknown): string {
  if (typeof value === "string" && (value === "null" || value === "true" || value === "false" || /^-?\d/.test(value))) {
    return `"${value}"`;
  }
  return value === null ? "null" : String(value);
}

/** Lines of `key: value` -> an object (the first colon splits, so expressions may contain colons). */
export function parseMapping(text: string, values: "text" | "scalar" | "type"): Record<string, unknown> {
  const mapping: Record<string, unknown> = {};
  for (const line of text.split("\n")) {
    const at = line.indexOf(":");
    if (at < 0) continue;
    const key = line.slice(0, at).trim();
    const raw = line.slice(at + 1).trim();
    if (!key) continue;
    mapping[key] = values === "scalar" ? parseScalar(raw) : raw;
  }
  return mapping;
}

export function formatMapping(value: unknown, values: "text" | "scalar" | "type"): string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "";
  return Object.entries(value)
    .map(([k, v]) => {
      if (values === "scalar") return `${k}: ${formatScalar(v)}`;
      return `${k}: ${typeof v === "object" && v !== null ? JSON.stringify(v) : String(v)}`;
    })
    .join("\n");
}

/** Remove empty optional values so the API applies its defaults. */
export function cleanStep(step: Step): Step {
  const spec = opSpec(step.op);
  const out: Step = { op: step.op };
  for (const [key, value] of Object.entries(step)) {
    if (key === "op") continue;
    const field = spec?.fields.find((f) => f.key === key);
    const optional =
      field &&
      ((field.type.kind === "columns" && !field.type.required) ||
        (field.type.kind === "text" && !field.type.required) ||
        (field.type.kind === "number" && !field.type.required) ||
        (field.type.kind === "select" && field.type.optional));
    const empty = value === "" || value === undefined || (Array.isArray(value) && value.length === 0);
    if (optional && empty) continue;
    if (value === undefined) continue;
    out[key] = value;
  }
  return out;
}
