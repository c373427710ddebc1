/**
 * The schema editor's model: rows the user edits, and the `schema` JSON they become in a scrape
 * request (the simple form `{"title": "string"}` or the selector form `{"title": {"selector": "h1"}}`).
 */

export const FIELD_TYPES = ["string", "number", "integer", "boolean", "date", "datetime", "url"] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface SimpleField {
  name: string;
  type: FieldType;
  list: boolean;
}

export interface SelectorField {
  name: string;
  /** CSS selector, or an XPath expression when `xpath` is true. */
  selector: string;
  xpath: boolean;
  /** Attribute to read (`href`, `src`); empty for the element's text. */
  attr: string;
  type: FieldType;
  many: boolean;
  required: boolean;
  /** Nested fields, read inside each matched element. */
  fields: SelectorField[];
}

export type SchemaMode = "simple" | "selectors" | "json";

export type SchemaDraft =
  | { mode: "simple"; fields: SimpleField[] }
  | { mode: "selectors"; fields: SelectorField[] }
  | { mode: "json"; text: string };

export type Schema = Record<string, unknown>;

export class SchemaError extends Error {}

const SELECTOR_KEYS = new Set(["selector", "xpath", "attr", "type", "many", "required", "fields"]);
const TYPE_PATTERN = /^(?:list\[(\w+)\]|(\w+))$/;

export function emptySimpleField(): SimpleField {
  return { name: "", type: "string", list: false };
}

export function emptySelectorField(): SelectorField {
  return { name: "", selector: "", xpath: false, attr: "", type: "string", many: false, required: false, fields: [] };
}

function isFieldType(value: string): value is FieldType {
  return (FIELD_TYPES as readonly string[]).includes(value);
}

function checkName(name: string, seen: Set<string>, where: string): void {
  if (seen.has(name)) throw new SchemaError(`The field name "${name}" is used twice${where}.`);
  seen.add(name);
}

function buildSimple(fields: SimpleField[]): Schema {
  const schema: Schema = {};
  const seen = new Set<string>();
  for (const field of fields) {
    const name = field.name.trim();
    if (!name) continue;
    checkName(name, seen, "");
    schema[name] = field.list ? `list[${field.type}]` : field.type;
  }
  return schema;
}

function buildSelectors(fields: SelectorField[], path = ""): Schema {
  const schema: Schema = {};
  const seen = new Set<string>();
  for (const field of fields) {
    const name = field.name.trim();
    const selector = field.selector.trim();
    if (!name && !selector) continue;
    const label = path ? `${path}.${name}` : name;
    if (!name) throw new SchemaError(`The field with selector "${selector}" needs a name.`);
    checkName(name, seen, path ? ` inside "${path}"` : "");
    if (!selector) throw new SchemaError(`The field "${label}" needs a selector.`);
    const spec: Schema = field.xpath ? { xpath: selector } : { selector };
    if (field.attr.trim()) spec.attr = field.attr.trim();
    const nested = buildSelectors(field.fields, label);
    if (Object.keys(nested).length === 0 && field.type !== "string") spec.type = field.type;
    if (field.many) spec.many = true;
    if (field.required) spec.required = true;
    if (Object.keys(nested).length > 0) spec.fields = nested;
    schema[name] = spec;
  }
  return schema;
}

/** The `schema` of a scrape request, from what the editor holds; SchemaError says what to fix. */
export function buildSchema(draft: SchemaDraft): Schema {
  if (draft.mode === "simple") return buildSimple(draft.fields);
  if (draft.mode === "selectors") return buildSelectors(draft.fields);
  const text = draft.text.trim();
  if (!text) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SchemaError(`The schema is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new SchemaError("The schema must be a JSON object.");
  }
  return parsed as Schema;
}

function parseSimple(schema: Schema): SimpleField[] | null {
  const fields: SimpleField[] = [];
  for (const [name, value] of Object.entries(schema)) {
    if (typeof value !== "string") return null;
    const match = TYPE_PATTERN.exec(value.trim());
    const type = match?.[1] ?? match?.[2] ?? "";
    if (!isFieldType(type)) return null;
    fields.push({ name, type, list: Boolean(match?.[1]) });
  }
  return fields;
}

function parseSelectors(schema: unknown): SelectorField[] | null {
  if (typeof schema !== "object" || schema === null || Array.isArray(schema)) return null;
  const fields: SelectorField[] = [];
  for (const [name, value] of Object.entries(schema)) {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
    const spec = value as Record<string, unknown>;
    if (!Object.keys(spec).every((key) => SELECTOR_KEYS.has(key))) return null;
    const selector = spec.xpath ?? spec.selector;
    const type = spec.type ?? "string";
    if (typeof selector !== "string" || typeof type !== "string" || !isFieldType(type)) return null;
    if (spec.attr !== undefined && typeof spec.attr !== "string") return null;
    const nested = spec.fields === undefined ? [] : parseSelectors(spec.fields);
    if (nested === null) return null;
    fields.push({
      name,
      selector,
      xpath: spec.xpath !== undefined,
      attr: (spec.attr as string | undefined) ?? "",
      type,
      many: spec.many === true,
      required: spec.required === true,
      fields: nested,
    });
  }
  return fields;
}

/** An editor draft for an existing schema (edit and re-run): the simplest form that can show it. */
export function draftFromSchema(schema: unknown): SchemaDraft {
  if (typeof schema === "object" && schema !== null && !Array.isArray(schema)) {
    const entries = Object.keys(schema);
    if (entries.length > 0) {
      const simple = parseSimple(schema as Schema);
      if (simple) return { mode: "simple", fields: simple };
      const selectors = parseSelectors(schema);
      if (selectors) return { mode: "selectors", fields: selectors };
    }
  }
  const empty = schema === undefined || schema === null || (typeof schema === "object" && Object.keys(schema).length === 0);
  return empty ? { mode: "simple", fields: [emptySimpleField()] } : { mode: "json", text: JSON.stringify(schema, null, 2) };
}

/**
 * The same fields in another form. Simple <-> selectors keeps names and types (selectors start empty);
 * to JSON shows the schema as it would be sent; from JSON only when the JSON fits that form.
 */
export function convertDraft(draft: SchemaDraft, mode: SchemaMode): SchemaDraft {
  if (draft.mode === mode) return draft;
  if (mode === "json") {
    return { mode, text: JSON.stringify(buildSchema(draft), null, 2) };
  }
  if (draft.mode === "json") {
    const parsed = draftFromSchema(buildSchema(draft));
    if (parsed.mode === mode) return parsed;
    if (parsed.mode === "simple" && mode === "selectors") return convertDraft(parsed, mode);
    throw new SchemaError(`This schema cannot be shown in the ${mode === "simple" ? "simple" : "selector"} form; keep editing it as JSON.`);
  }
  if (draft.mode === "simple" && mode === "selectors") {
    const fields = draft.fields.map((f) => ({ ...emptySelectorField(), name: f.name, type: f.type, many: f.list }));
    return { mode, fields: fields.length ? fields : [emptySelectorField()] };
  }
  if (draft.mode === "selectors" && mode === "simple") {
    const fields = draft.fields.map((f) => ({ name: f.name, type: f.type, list: f.many && f.fields.length === 0 }));
    return { mode, fields: fields.length ? fields : [emptySimpleField()] };
  }
  return draft;
}

export interface SchemaExample {
  label: string;
  schema: Schema;
}

/** Ready examples the editor offers; each loads into the form that shows it. */
export const SCHEMA_EXAMPLES: SchemaExample[] = [
  { label: "Page title (simple)", schema: { title: "string" } },
  {
    label: "Article (simple)",
    schema: { title: "string", author: "string", published: "date", image: "url", tags: "list[string]" },
  },
  {
    label: "Product (simple)",
    schema: { title: "string", price: "number", in_stock: "boolean", image: "url" },
  },
  {
    label: "Product (selectors)",
    schema: {
      title: { selector: "h1" },
      price: { selector: ".price", type: "number" },
      image: { selector: "img", attr: "src", type: "url" },
    },
  },
  {
    label: "List of links (selectors, many)",
    schema: {
      items: {
        selector: "li",
        many: true,
        fields: { name: { selector: "a" }, url: { selector: "a", attr: "href", type: "url" } },
      },
    },
  },
];
