import { describe, expect, it } from "vitest";
import { cleanStep, formatMapping, newStep, OPS, parseColumns, parseMapping, parseScalar } from "./pipelineOps";

describe("pipeline step fields", () => {
  it("reads column lists separated by commas", () => {
    expect(parseColumns(" title, price ,, url ")).toEqual(["title", "price", "url"]);
  });

  it("reads key: value lines, splitting at the first colon only", () => {
    expect(parseMapping("title: product\n\nprice:cost", "text")).toEqual({ title: "product", price: "cost" });
    expect(parseMapping("label: a ? b : c", "text")).toEqual({ label: "a ? b : c" });
  });

  it("keeps numbers, booleans and null typed in fill values, and quoted text as text", () => {
    expect(parseMapping('price: 0\nbrand: unknown\nok: true\nnote: null\nzip: "01234"', "scalar")).toEqual({
      price: 0,
      brand: "unknown",
      ok: true,
      note: null,
      zip: "01234",
    });
    expect(parseScalar("-1.5e3")).toBe(-1500);
  });

  it("writes mappings back so that reading them gives the same values", () => {
    const values = { price: 0, zip: "01234", flag: "true", brand: "acme" };
    expect(parseMapping(formatMapping(values, "scalar"), "scalar")).toEqual(values);
  });

  it("leaves out empty optional fields so the API's defaults apply, and keeps required ones", () => {
    expect(cleanStep({ op: "dedupe", subset: [], keep: "first" })).toEqual({ op: "dedupe", keep: "first" });
    expect(cleanStep({ op: "select", columns: [] })).toEqual({ op: "select", columns: [] });
    expect(cleanStep({ op: "normalize", case: "" })).toEqual({ op: "normalize" });
  });

  it("offers every op of the pipeline engine, each starting from its own fields", () => {
    expect(OPS.map((o) => o.op)).toEqual(
      "select drop rename cast fill_null drop_null dedupe filter sort limit trim normalize regex_extract split merge derive join append aggregate validate".split(
        " ",
      ),
    );
    expect(newStep("rename")).toEqual({ op: "rename", columns: {} });
  });
});
