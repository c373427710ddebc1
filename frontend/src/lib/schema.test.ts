import { describe, expect, it } from "vitest";
import {
  buildSchema,
  convertDraft,
  draftFromSchema,
  emptySelectorField,
  SchemaError,
  type SchemaDraft,
  type SelectorField,
} from "./schema";

const sel = (patch: Partial<SelectorField>): SelectorField => ({ ...emptySelectorField(), ...patch });

describe("simple form", () => {
  it("writes one type keyword per field, lists as list[type]", () => {
    const draft: SchemaDraft = {
      mode: "simple",
      fields: [
        { name: "title", type: "string", list: false },
        { name: "price", type: "number", list: false },
        { name: "published", type: "date", list: false },
        { name: "tags", type: "string", list: true },
      ],
    };
    expect(buildSchema(draft)).toEqual({ title: "string", price: "number", published: "date", tags: "list[string]" });
  });

  it("skips blank rows and trims names", () => {
    const draft: SchemaDraft = {
      mode: "simple",
      fields: [
        { name: "  title ", type: "string", list: false },
        { name: "", type: "number", list: false },
      ],
    };
    expect(buildSchema(draft)).toEqual({ title: "string" });
  });

  it("refuses a field name used twice", () => {
    const draft: SchemaDraft = {
      mode: "simple",
      fields: [
        { name: "title", type: "string", list: false },
        { name: "title", type: "url", list: false },
      ],
    };
    expect(() => buildSchema(draft)).toThrow(SchemaError);
    expect(() => buildSchema(draft)).toThrow('The field name "title" is used twice.');
  });
});

describe("selector form", () => {
  it("writes only what differs from the defaults (text, string, one match)", () => {
    const draft: SchemaDraft = {
      mode: "selectors",
      fields: [
        sel({ name: "title", selector: "h1" }),
        sel({ name: "image", selector: "img.main", attr: "src", type: "url" }),
        sel({ name: "heading", selector: "//h2", xpath: true, required: true }),
      ],
    };
    expect(buildSchema(draft)).toEqual({
      title: { selector: "h1" },
      image: { selector: "img.main", attr: "src", type: "url" },
      heading: { xpath: "//h2", required: true },
    });
  });

  it("writes many matches with nested fields as objects", () => {
    const draft: SchemaDraft = {
      mode: "selectors",
      fields: [
        sel({
          name: "items",
          selector: "li.item",
          many: true,
          fields: [
            sel({ name: "name", selector: "a" }),
            sel({ name: "url", selector: "a", attr: "href", type: "url" }),
            sel({ name: "price", selector: ".p", type: "number" }),
          ],
        }),
      ],
    };
    expect(buildSchema(draft)).toEqual({
      items: {
        selector: "li.item",
        many: true,
        fields: {
          name: { selector: "a" },
          url: { selector: "a", attr: "href", type: "url" },
          price: { selector: ".p", type: "number" },
        },
      },
    });
  });

  it("names the field that lacks a selector, with its path", () => {
    const draft: SchemaDraft = {
      mode: "selectors",
      fields: [sel({ name: "items", selector: "li", many: true, fields: [sel({ name: "name" })] })],
    };
    expect(() => buildSchema(draft)).toThrow('The field "items.name" needs a selector.');
  });
});

describe("JSON form", () => {
  it("passes any JSON object through, e.g. a JSON Schema", () => {
    const schema = { type: "object", properties: { title: { type: "string" } } };
    expect(buildSchema({ mode: "json", text: JSON.stringify(schema) })).toEqual(schema);
  });

  it("explains invalid JSON and non-objects", () => {
    expect(() => buildSchema({ mode: "json", text: "{title" })).toThrow(/not valid JSON/);
    expect(() => buildSchema({ mode: "json", text: "[1]" })).toThrow("The schema must be a JSON object.");
  });
});

describe("loading an existing schema (edit and re-run)", () => {
  it("shows type keywords in the simple form and selectors in the selector form, round-tripping exactly", () => {
    const simple = { title: "string", tags: "list[url]" };
    const selectors = {
      title: { selector: "h1" },
      items: { selector: "li", many: true, fields: { name: { selector: "a" }, url: { selector: "a", attr: "href", type: "url" } } },
    };
    expect(draftFromSchema(simple).mode).toBe("simple");
    expect(buildSchema(draftFromSchema(simple))).toEqual(simple);
    expect(draftFromSchema(selectors).mode).toBe("selectors");
    expect(buildSchema(draftFromSchema(selectors))).toEqual(selectors);
  });

  it("keeps other forms (JSON Schema, shorthand selectors, regex) as JSON", () => {
    expect(draftFromSchema({ title: "h1" }).mode).toBe("json");
    expect(draftFromSchema({ price: { selector: ".p", regex: "(\\d+)" } }).mode).toBe("json");
    expect(draftFromSchema({ type: "object", properties: {} }).mode).toBe("json");
  });

  it("switches simple -> selectors keeping names and types, and refuses JSON that a form cannot show", () => {
    const selectors = convertDraft({ mode: "simple", fields: [{ name: "price", type: "number", list: false }] }, "selectors");
    expect(selectors).toEqual({ mode: "selectors", fields: [sel({ name: "price", type: "number" })] });
    const json = convertDraft({ mode: "simple", fields: [{ name: "title", type: "string", list: false }] }, "json");
    expect(json).toEqual({ mode: "json", text: '{\n  "title": "string"\n}' });
    expect(() => convertDraft({ mode: "json", text: '{"title": {"selector": "h1"}}' }, "simple")).toThrow(SchemaError);
  });
});
