import { describe, expect, it } from "vitest";
import { columnsFor, recordRow, schemaFieldNames } from "./records";

describe("records as table rows", () => {
  it("puts a scrape record's data fields beside its url, like the CSV download", () => {
    expect(recordRow({ url: "https://a/1", data: { title: "T", offer: { price: 3 }, tags: ["x"] } })).toEqual({
      url: "https://a/1",
      title: "T",
      "offer.price": 3,
      tags: ["x"],
    });
  });

  it("shows a batch's records as url, status, then the data fields or the error", () => {
    const rows = [
      recordRow({ url: "https://a/1", status: "ok", data: { title: "T" }, final_url: "https://a/1/" }),
      recordRow({ url: "https://a/2", status: "failed", error: { code: "not_found", message: "404" } }),
    ];
    expect(rows[0]).toEqual({ url: "https://a/1", status: "ok", title: "T", final_url: "https://a/1/" });
    expect(rows[1]).toEqual({ url: "https://a/2", status: "failed", "error.code": "not_found", "error.message": "404" });
    expect(columnsFor(rows, ["title"])).toEqual(["url", "status", "title", "final_url", "error.code", "error.message"]);
  });

  it("flattens other records as they are", () => {
    expect(recordRow({ product: "Lamp", data: { a: 1 }, extra: true })).toEqual({ product: "Lamp", "data.a": 1, extra: true });
    expect(recordRow(5)).toEqual({ value: 5 });
  });

  it("orders columns: url, the schema's fields as written, then the rest", () => {
    const rows = [{ zeta: 1, price: 2, url: "u", title: "t", "offer.price": 3 }];
    expect(columnsFor(rows, ["title", "offer", "price"])).toEqual(["url", "title", "offer.price", "price", "zeta"]);
  });

  it("names the nested fields of a list of objects, whose items become the records", () => {
    const schema = { items: { selector: "li", many: true, fields: { name: { selector: "a" }, url: { selector: "a", attr: "href" } } } };
    expect(schemaFieldNames(schema)).toEqual(["items", "name", "url"]);
    expect(columnsFor([{ url: "u", name: "n" }], schemaFieldNames(schema))).toEqual(["url", "name"]);
    expect(schemaFieldNames({ type: "object", properties: { a: {}, b: {} } })).toEqual(["a", "b"]);
  });
});
