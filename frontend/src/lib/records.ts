/**
 * Records as table rows, flattened the way the API's CSV download flattens them: a scrape record's
 * `data` fields stand beside its `url`, nested objects become dotted columns, lists stay one cell.
 */

export type Row = Record<string, unknown>;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function flatten(record: Record<string, unknown>, prefix = ""): Row {
  const row: Row = {};
  for (const [key, value] of Object.entries(record)) {
    const name = `${prefix}${key}`;
    if (isObject(value)) Object.assign(row, flatten(value, `${name}.`));
    else row[name] = value;
  }
  return row;
}

// The keys a scrape record holds beside `data`: a page's formats, a batch URL's status and error, the
// reports of its actions. A record with other keys is someone else's shape and is flattened as it is.
const SCRAPE_RECORD_KEYS: ReadonlySet<string> = new Set([
  "url", "data", "error", "status", "final_url", "json", "action", "actions", "scrapes",
  "markdown", "text", "links", "metadata", "html",
]);

export function recordRow(record: unknown): Row {
  if (!isObject(record)) return { value: record };
  const data = record.data;
  if (isObject(data) && Object.keys(record).every((k) => SCRAPE_RECORD_KEYS.has(k))) {
    const outer = flatten(Object.fromEntries(Object.entries(record).filter(([k]) => k !== "data")));
    const inner = Object.fromEntries(Object.entries(flatten(data)).filter(([k]) => !(k in outer)));
    return { ...outer, ...inner };
  }
  return flatten(record);
}

/**
 * Column order: `url` (and a batch's `status`), then the schema's fields in the order the user wrote
 * them, then anything else the records hold, in order of first appearance.
 */
export function columnsFor(rows: Row[], schemaFields: string[] = []): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  const ordered: string[] = [];
  const add = (column: string) => {
    if (!ordered.includes(column)) ordered.push(column);
  };
  if (seen.has("url")) add("url");
  if (seen.has("url") && seen.has("status")) add("status");
  for (const field of schemaFields) {
    if (seen.has(field)) add(field);
    for (const column of seen) if (column.startsWith(`${field}.`)) add(column);
  }
  for (const column of seen) add(column);
  return ordered;
}

/**
 * The field names of a scrape schema in any of its forms, in the order written; a list of objects
 * (`many` with nested `fields`) adds its nested names, since each item becomes a record.
 */
export function schemaFieldNames(schema: unknown): string[] {
  if (!isObject(schema)) return [];
  if (isObject(schema.properties) && schema.type === "object") return Object.keys(schema.properties);
  if (Array.isArray(schema.fields) && "baseSelector" in schema) {
    return schema.fields.map((f) => (isObject(f) ? String(f.name ?? "") : "")).filter(Boolean);
  }
  const names: string[] = [];
  for (const [name, spec] of Object.entries(schema)) {
    names.push(name);
    if (isObject(spec) && isObject(spec.fields)) names.push(...Object.keys(spec.fields));
  }
  return names;
}

/** A cell's text: JSON for lists and objects. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}
