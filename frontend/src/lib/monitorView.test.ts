import { describe, expect, it } from "vitest";
import { chartFields, numericFields, recordFieldNames } from "./monitorView";

describe("fields worth a chart", () => {
  it("finds number fields in the simple, selector and JSON Schema forms", () => {
    expect(numericFields({ title: "string", price: "number", stock: "integer" })).toEqual(["price", "stock"]);
    expect(numericFields({ items: { selector: "li", many: true, fields: { name: { selector: "a" }, price: { selector: ".p", type: "number" } } } })).toEqual(["price"]);
    expect(numericFields({ type: "object", properties: { price: { type: "number" }, title: { type: "string" } } })).toEqual(["price"]);
    expect(numericFields({ baseSelector: "li", fields: [{ name: "price", selector: ".p", type: "number" }, { name: "t", selector: "a", type: "text" }] })).toEqual(["price"]);
  });

  it("offers compared fields without the key, numbers first", () => {
    const target = { schema: { items: { selector: "li", many: true, fields: { name: { selector: "a" }, price: { selector: ".p", type: "number" } } } } };
    expect(chartFields({ compare: null, key: ["name"], target })).toEqual(["price"]);
    expect(chartFields({ compare: ["name", "stock"], key: ["url"], target })).toEqual(["name", "stock"]);
  });

  it("names a list of objects by its items' fields, not by the list", () => {
    expect(recordFieldNames({ items: { selector: "li", many: true, fields: { name: { selector: "a" } } }, title: "string" })).toEqual(["name", "title"]);
    expect(recordFieldNames({ title: "string", tags: "list[string]" })).toEqual(["title", "tags"]);
  });
});
