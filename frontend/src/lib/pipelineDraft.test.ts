import { describe, expect, it } from "vitest";
import type { PipelineSpec } from "../api/types";
import { definitionOf, draftFromDefinition, emptyPipelineDraft } from "./pipelineDraft";

describe("pipeline definition", () => {
  it("is the issue's example when the editor holds it, and loads back the same", () => {
    const definition: PipelineSpec = {
      name: "daily-prices",
      source: { type: "job", job_id: "abc" },
      steps: [
        { op: "rename", columns: { title: "product" } },
        { op: "cast", columns: { price: "number" } },
        { op: "dedupe", subset: ["product"] },
        { op: "validate", rules: [{ column: "price", check: "between", min: 0, max: 100000 }], on_fail: "drop" },
      ],
      output: { format: "csv", name: "daily-prices" },
    };
    expect(definitionOf(draftFromDefinition(definition))).toEqual(definition);
  });

  it("leaves the output out when no format is chosen, and the export name when it is blank", () => {
    const draft = { ...emptyPipelineDraft(), name: "p" };
    expect(definitionOf(draft).output).toEqual({ format: "csv" });
    expect(definitionOf({ ...draft, output: { format: "", name: "" } }).output).toBeUndefined();
  });
});
