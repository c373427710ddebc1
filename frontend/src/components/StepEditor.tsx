/** One pipeline step: its op's fields as inputs, or its JSON when the op is not in the list. */

import { formatColumns, formatMapping, opSpec, parseColumns, parseMapping, type OpField, type Step } from "../lib/pipelineOps";
import { CodecInput, formatJson, parseJson } from "./CodecInput";

function FieldInput({ field, step, index, onChange }: { field: OpField; step: Step; index: number; onChange: (s: Step) => void }) {
  const id = `step-${index}-${field.key}`;
  const value = step[field.key];
  const set = (v: unknown) => onChange({ ...step, [field.key]: v });
  const label = `Step ${index + 1} ${field.label}`;
  const t = field.type;
  let input;
  switch (t.kind) {
    case "columns":
      input = <CodecInput id={id} label={label} value={value as string[] | undefined} parse={parseColumns} format={formatColumns} onChange={set} placeholder="title, price" />;
      break;
    case "mapping":
      input = (
        <CodecInput
          id={id}
          label={label}
          value={value}
          parse={(text) => parseMapping(text, t.values)}
          format={(v) => formatMapping(v, t.values)}
          onChange={set}
          multiline
          placeholder={t.values === "type" ? `price: number\npublished: date` : "title: product"}
        />
      );
      break;
    case "json":
      input = <CodecInput id={id} label={label} value={value} parse={parseJson} format={formatJson} onChange={set} multiline rows={4} placeholder={t.placeholder} className="code" />;
      break;
    case "number":
      input = (
        <input
          id={id}
          aria-label={label}
          type="number"
          value={value === undefined || value === null ? "" : String(value)}
          onChange={(e) => set(e.target.value === "" ? undefined : Number(e.target.value))}
        />
      );
      break;
    case "bool":
      return (
        <label className="check">
          <input type="checkbox" aria-label={label} checked={value === true} onChange={(e) => set(e.target.checked)} /> {field.label}
        </label>
      );
    case "select":
      input = (
        <select id={id} aria-label={label} value={value === undefined || value === null ? "" : String(value)} onChange={(e) => set(e.target.value || undefined)}>
          {(t.optional || value === undefined) && <option value="">{t.optional ? "(keep)" : "(default)"}</option>}
          {t.options.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
      );
      break;
    default:
      input = <input id={id} aria-label={label} value={typeof value === "string" ? value : ""} placeholder={t.placeholder} onChange={(e) => set(e.target.value)} />;
  }
  return (
    <div className="field">
      <label htmlFor={id}>{field.label}</label>
      {input}
      {field.help && <p className="hint">{field.help}</p>}
    </div>
  );
}

interface StepEditorProps {
  step: Step;
  index: number;
  count: number;
  onChange: (s: Step) => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}

export function StepEditor({ step, index, count, onChange, onMove, onRemove }: StepEditorProps) {
  const spec = opSpec(step.op);
  return (
    <li className="step-card" data-testid="pipeline-step">
      <div className="step-head">
        <span className="step-index">{index + 1}</span>
        <strong>{spec?.title ?? step.op}</strong> <code className="muted">{step.op}</code>
        <span className="spacer" />
        <button type="button" className="icon" aria-label={`Move step ${index + 1} up`} disabled={index === 0} onClick={() => onMove(-1)}>
          ↑
        </button>
        <button type="button" className="icon" aria-label={`Move step ${index + 1} down`} disabled={index === count - 1} onClick={() => onMove(1)}>
          ↓
        </button>
        <button type="button" className="icon danger" aria-label={`Remove step ${index + 1}`} onClick={onRemove}>
          ×
        </button>
      </div>
      {spec ? (
        <div className="step-fields">
          {spec.fields.map((f) => (
            <FieldInput key={f.key} field={f} step={step} index={index} onChange={onChange} />
          ))}
        </div>
      ) : (
        <CodecInput
          label={`Step ${index + 1} as JSON`}
          value={step}
          parse={(t) => {
            const v = parseJson(t) as Step;
            if (!v || typeof v.op !== "string") throw new Error('A step needs an "op".');
            return v;
          }}
          format={formatJson}
          onChange={onChange}
          multiline
          className="code"
        />
      )}
    </li>
  );
}

