/** The schema editor: simple rows (name + type), selector rows (with nested fields), or raw JSON. */

import { useState } from "react";
import {
  FIELD_TYPES,
  SCHEMA_EXAMPLES,
  SchemaError,
  buildSchema,
  convertDraft,
  draftFromSchema,
  emptySelectorField,
  emptySimpleField,
  type FieldType,
  type SchemaDraft,
  type SchemaMode,
  type SelectorField,
  type SimpleField,
} from "../lib/schema";

const MODES: Array<{ mode: SchemaMode; label: string }> = [
  { mode: "simple", label: "Simple" },
  { mode: "selectors", label: "Selectors" },
  { mode: "json", label: "JSON" },
];
const MAX_NESTING = 3;

function TypeSelect({ value, onChange, label }: { value: FieldType; onChange: (t: FieldType) => void; label: string }) {
  return (
    <select aria-label={label} value={value} onChange={(e) => onChange(e.target.value as FieldType)}>
      {FIELD_TYPES.map((t) => (
        <option key={t} value={t}>
          {t}
        </option>
      ))}
    </select>
  );
}

function SimpleRows({ fields, onChange }: { fields: SimpleField[]; onChange: (f: SimpleField[]) => void }) {
  const update = (i: number, patch: Partial<SimpleField>) =>
    onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <div className="schema-rows">
      <div className="schema-row schema-head" aria-hidden="true">
        <span>Field name</span>
        <span>Type</span>
        <span>List</span>
        <span />
      </div>
      {fields.map((field, i) => (
        <div className="schema-row" key={i}>
          <input
            aria-label={`Field ${i + 1} name`}
            placeholder="e.g. title"
            value={field.name}
            onChange={(e) => update(i, { name: e.target.value })}
          />
          <TypeSelect label={`Field ${i + 1} type`} value={field.type} onChange={(type) => update(i, { type })} />
          <label className="check">
            <input type="checkbox" checked={field.list} onChange={(e) => update(i, { list: e.target.checked })} />
            <span className="sr-only">Field {i + 1} is a </span>list
          </label>
          <button type="button" className="icon" aria-label={`Remove field ${i + 1}`} onClick={() => onChange(fields.filter((_, j) => j !== i))}>
            ×
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...fields, emptySimpleField()])}>
        + Add field
      </button>
    </div>
  );
}

function SelectorRows({
  fields,
  onChange,
  path,
  depth,
}: {
  fields: SelectorField[];
  onChange: (f: SelectorField[]) => void;
  path: string;
  depth: number;
}) {
  const update = (i: number, patch: Partial<SelectorField>) =>
    onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <div className={depth ? "selector-rows nested" : "selector-rows"}>
      {fields.map((field, i) => {
        const name = `${path}${i + 1}`;
        return (
          <div className="selector-card" key={i}>
            <div className="selector-grid">
              <label>
                Name
                <input aria-label={`Field ${name} name`} placeholder="e.g. price" value={field.name} onChange={(e) => update(i, { name: e.target.value })} />
              </label>
              <label className="grow">
                {field.xpath ? "XPath" : "CSS selector"}
                <input
                  aria-label={`Field ${name} selector`}
                  placeholder={field.xpath ? "//h1" : "h1, .price, a.next"}
                  value={field.selector}
                  onChange={(e) => update(i, { selector: e.target.value })}
                />
              </label>
              <label>
                Attribute
                <input aria-label={`Field ${name} attribute`} placeholder="text" value={field.attr} onChange={(e) => update(i, { attr: e.target.value })} />
              </label>
              {field.fields.length === 0 ? (
                <label>
                  Type
                  <TypeSelect label={`Field ${name} type`} value={field.type} onChange={(type) => update(i, { type })} />
                </label>
              ) : (
                <span className="hint">Type: object{field.many ? "s" : ""}</span>
              )}
            </div>
            <div className="selector-flags">
              <label className="check">
                <input type="checkbox" checked={field.xpath} onChange={(e) => update(i, { xpath: e.target.checked })} /> XPath
              </label>
              <label className="check">
                <input type="checkbox" checked={field.many} onChange={(e) => update(i, { many: e.target.checked })} /> many
              </label>
              <label className="check">
                <input type="checkbox" checked={field.required} onChange={(e) => update(i, { required: e.target.checked })} /> required
              </label>
              {depth + 1 < MAX_NESTING && field.fields.length === 0 && (
                <button type="button" className="link" onClick={() => update(i, { fields: [emptySelectorField()] })}>
                  + nested fields
                </button>
              )}
              <button type="button" className="link danger" aria-label={`Remove field ${name}`} onClick={() => onChange(fields.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
            {field.fields.length > 0 && (
              <div className="nested-block">
                <p className="hint">Fields read inside each element matched by “{field.selector || "…"}”:</p>
                <SelectorRows fields={field.fields} onChange={(f) => update(i, { fields: f })} path={`${name}.`} depth={depth + 1} />
              </div>
            )}
          </div>
        );
      })}
      <button type="button" onClick={() => onChange([...fields, emptySelectorField()])}>
        + Add {depth ? "nested " : ""}field
      </button>
    </div>
  );
}

export interface SchemaEditorProps {
  value: SchemaDraft;
  onChange: (draft: SchemaDraft) => void;
}

export function SchemaEditor({ value, onChange }: SchemaEditorProps) {
  const [switchError, setSwitchError] = useState<string | null>(null);
  let built: string;
  let buildError: string | null = null;
  try {
    built = JSON.stringify(buildSchema(value), null, 2);
  } catch (error) {
    built = "";
    buildError = error instanceof SchemaError ? error.message : String(error);
  }

  function switchMode(mode: SchemaMode) {
    try {
      onChange(convertDraft(value, mode));
      setSwitchError(null);
    } catch (error) {
      setSwitchError((error as Error).message);
    }
  }

  function loadExample(index: string) {
    const example = SCHEMA_EXAMPLES[Number(index)];
    if (example) {
      onChange(draftFromSchema(example.schema));
      setSwitchError(null);
    }
  }

  return (
    <fieldset className="schema-editor">
      <legend>Schema: the fields you want</legend>
      <div className="toolbar">
        <div className="segmented" role="radiogroup" aria-label="Schema form">
          {MODES.map(({ mode, label }) => (
            <label key={mode} className={value.mode === mode ? "active" : ""}>
              <input type="radio" name="schema-mode" value={mode} checked={value.mode === mode} onChange={() => switchMode(mode)} />
              {label}
            </label>
          ))}
        </div>
        <select aria-label="Load an example schema" value="" onChange={(e) => loadExample(e.target.value)}>
          <option value="">Load an example…</option>
          {SCHEMA_EXAMPLES.map((ex, i) => (
            <option key={ex.label} value={i}>
              {ex.label}
            </option>
          ))}
        </select>
      </div>
      {switchError && <p className="field-error">{switchError}</p>}
      {value.mode === "simple" && (
        <>
          <p className="hint">Each field is found by meaning: structured data first (JSON-LD, microdata, OpenGraph), then page patterns such as the <code>h1</code> or an element whose class names the field.</p>
          <SimpleRows fields={value.fields} onChange={(fields) => onChange({ mode: "simple", fields })} />
        </>
      )}
      {value.mode === "selectors" && (
        <>
          <p className="hint">Say where each field is: a CSS selector (or XPath), the attribute to read (empty for the text), and “many” for a list; nested fields turn each match into an object.</p>
          <SelectorRows fields={value.fields} onChange={(fields) => onChange({ mode: "selectors", fields })} path="" depth={0} />
        </>
      )}
      {value.mode === "json" && (
        <>
          <p className="hint">Any accepted form: simple, selectors, JSON Schema (<code>{'{"type": "object", "properties": …}'}</code>) or a CSS extraction schema with <code>baseSelector</code>.</p>
          <label className="sr-only" htmlFor="schema-json">Schema as JSON</label>
          <textarea id="schema-json" className="code" rows={10} spellCheck={false} value={value.text} onChange={(e) => onChange({ mode: "json", text: e.target.value })} />
        </>
      )}
      {buildError ? (
        <p className="field-error" role="alert">{buildError}</p>
      ) : (
        value.mode !== "json" && (
          <details className="json">
            <summary>Schema as sent</summary>
            <pre data-testid="schema-output">{built}</pre>
          </details>
        )
      )}
    </fieldset>
  );
}
