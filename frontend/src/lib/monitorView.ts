/** What a monitor page reads from a monitor: the fields worth a chart. */

import type { Monitor } from "../api/types";
import { schemaFieldNames } from "./records";

const NUMERIC = new Set(["number", "integer", "float", "int", "list[number]", "list[integer]"]);

/** Names of the schema's fields typed as numbers, at any depth and in any of the schema's forms. */
export function numericFields(schema: unknown): string[] {
  const found: string[] = [];
  const visit = (node: unknown, name: string | null) => {
    if (typeof node === "string") {
      if (name && NUMERIC.has(node)) found.push(name);
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) visit(item, null);
      return;
    }
    if (typeof node !== "object" || node === null) return;
    const spec = node as Record<string, unknown>;
    const own = typeof spec.name === "string" ? spec.name : name;
    if (own && typeof spec.type === "string" && NUMERIC.has(spec.type)) found.push(own);
    for (const [key, value] of Object.entries(spec)) {
      if (key === "type" || key === "name") continue;
      // Under `properties` and `fields` the keys are field names; elsewhere a key names the value.
      if ((key === "properties" || key === "fields") && typeof value === "object" && value !== null && !Array.isArray(value)) {
        for (const [field, child] of Object.entries(value)) visit(child, field);
      } else {
        visit(value, key);
      }
    }
  };
  visit(schema, null);
  return [...new Set(found)];
}

/**
 * The fields a scraped record can hold: the schema's names, without a list's own name when the list
 * holds objects (each of its items is a record of the nested fields).
 */
export function recordFieldNames(schema: unknown): string[] {
  const containers = new Set<string>();
  if (typeof schema === "object" && schema !== null && !Array.isArray(schema)) {
    for (const [name, spec] of Object.entries(schema)) {
      const nested = (spec as { fields?: unknown } | null)?.fields;
      if (typeof nested === "object" && nested !== null && !Array.isArray(nested)) containers.add(name);
    }
  }
  return schemaFieldNames(schema).filter((name) => !containers.has(name));
}

/** Fields to offer in the chart's picker: the compared fields (or the schema's), numbers first. */
export function chartFields(monitor: Pick<Monitor, "compare" | "key" | "target">): string[] {
  const schema = monitor.target.schema;
  const names = (monitor.compare ?? recordFieldNames(schema)).filter((f) => !monitor.key.includes(f) && f !== "url" && f !== "markdown" && f !== "text");
  const numeric = numericFields(schema);
  return [...names.filter((f) => numeric.includes(f)), ...names.filter((f) => !numeric.includes(f))];
}
