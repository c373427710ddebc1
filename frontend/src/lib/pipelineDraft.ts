/** The pipeline editor's state and the definition it sends (`POST /api/pipelines`, runs, previews). */

import type { PipelineDefinition } from "../api/types";
import { cleanStep, type Step } from "./pipelineOps";

export const OUTPUT_FORMATS = ["csv", "json", "jsonl", "xlsx", "parquet"];

export interface PipelineDraft {
  name: string;
  description: string;
  source: Record<string, unknown>;
  steps: Step[];
  /** One output as a form; several outputs stay as the list they were. */
  output: { format: string; name: string } | Record<string, unknown>[];
}

export function emptyPipelineDraft(): PipelineDraft {
  return { name: "", description: "", source: { type: "job", job_id: "" }, steps: [], output: { format: "csv", name: "" } };
}

export function draftFromDefinition(definition: PipelineDefinition, name?: string): PipelineDraft {
  const output = definition.output;
  return {
    name: name ?? definition.name ?? "",
    description: definition.description ?? "",
    source: definition.source ?? { type: "job", job_id: "" },
    steps: (definition.steps ?? []).map((s) => ({ ...s })),
    output: Array.isArray(output)
      ? output
      : output && typeof output === "object"
        ? { format: String(output.format ?? "csv"), name: String(output.name ?? "") }
        : { format: "", name: "" },
  };
}

export function definitionOf(draft: PipelineDraft): PipelineDefinition {
  const definition: PipelineDefinition = { source: draft.source, steps: draft.steps.map(cleanStep) };
  if (draft.name.trim()) definition.name = draft.name.trim();
  if (draft.description.trim()) definition.description = draft.description.trim();
  if (Array.isArray(draft.output)) definition.output = draft.output;
  else if (draft.output.format) {
    definition.output = { format: draft.output.format, ...(draft.output.name.trim() ? { name: draft.output.name.trim() } : {}) };
  }
  return definition;
}
