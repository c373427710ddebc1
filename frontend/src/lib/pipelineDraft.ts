/** The pipeline editor's state and the definition it sends (`POST /api/pipelines`, runs, previews). */

import type { PipelineSpec } from "../api/types";
import { cleanStep, type Step } from "./pipelineOps";

export const OUTPUT_FORMATS = ["csv", "json", "jsonl", "xlsx", "parquet"] as const;

type Output = NonNullable<PipelineSpec["output"]>;
export type OutputFile = Exclude<Output, unknown[]>;

export interface PipelineDraft {
  name: string;
  description: string;
  source: Record<string, unknown>;
  steps: Step[];
  /** One output as a form (`format` "" for none); several outputs stay as the list they were. */
  output: { format: OutputFile["format"] | ""; name: string } | OutputFile[];
}

export function emptyPipelineDraft(): PipelineDraft {
  return { name: "", description: "", source: { type: "job", job_id: "" }, steps: [], output: { format: "csv", name: "" } };
}

export function draftFromDefinition(definition: PipelineSpec, name?: string): PipelineDraft {
  const output = definition.output;
  return {
    name: name ?? definition.name ?? "",
    description: definition.description ?? "",
    source: definition.source ?? { type: "job", job_id: "" },
    steps: (definition.steps ?? []).map((s) => ({ ...s })),
    output: Array.isArray(output) ? output : output ? { format: output.format, name: output.name ?? "" } : { format: "", name: "" },
  };
}

/**
 * The definition the editor holds. Sources and steps are edited as plain JSON (any op, any field),
 * so they are sent as the user wrote them: the API validates them and names the field at fault.
 */
export function definitionOf(draft: PipelineDraft): PipelineSpec {
  const definition: PipelineSpec = {
    source: draft.source as PipelineSpec["source"],
    steps: draft.steps.map(cleanStep) as PipelineSpec["steps"],
  };
  if (draft.name.trim()) definition.name = draft.name.trim();
  if (draft.description.trim()) definition.description = draft.description.trim();
  if (Array.isArray(draft.output)) definition.output = draft.output;
  else if (draft.output.format) {
    definition.output = { format: draft.output.format, ...(draft.output.name.trim() ? { name: draft.output.name.trim() } : {}) };
  }
  return definition;
}
