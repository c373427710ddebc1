/** The New-scrape form's browser actions: add one of any type, edit its fields, move it, remove it. */

import { useEffect, useRef, useState, type ReactNode } from "react";
import {
  ACTION_TYPES,
  MAX_ACTIONS,
  SCRIPT_ACTIONS,
  addAction,
  moveAction,
  removeAction,
  updateAction,
  type ActionDraft,
  type ActionType,
} from "../lib/actions";

const KEYS = ["Enter", "Tab", "Escape", "Space", "ArrowDown", "ArrowUp", "PageDown", "End", "Control+a"];

function Labelled({ label, htmlFor, children }: { label: string; htmlFor: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={htmlFor}>{label}</label>
      {children}
    </div>
  );
}

/** The fields of one action's type. */
function ActionFields({ action, n, set }: { action: ActionDraft; n: number; set: (patch: Partial<ActionDraft>) => void }) {
  const id = (name: string) => `action-${action.id}-${name}`;
  const selector = (label = "Selector", placeholder = "button.load-more") => (
    <Labelled label={label} htmlFor={id("selector")}>
      <input
        id={id("selector")}
        aria-label={`Action ${n} selector`}
        placeholder={placeholder}
        value={action.selector}
        onChange={(e) => set({ selector: e.target.value })}
      />
    </Labelled>
  );
  const whole = (name: "milliseconds" | "repeat" | "screens" | "maxScrolls", label: string, min = 1) => (
    <Labelled label={label} htmlFor={id(name)}>
      <input id={id(name)} aria-label={`Action ${n} ${label.toLowerCase()}`} type="number" min={min} value={action[name]} onChange={(e) => set({ [name]: e.target.value })} />
    </Labelled>
  );
  switch (action.type) {
    case "wait":
      return (
        <>
          <Labelled label="Wait for" htmlFor={id("wait-for")}>
            <select id={id("wait-for")} aria-label={`Action ${n} waits for`} value={action.waitFor} onChange={(e) => set({ waitFor: e.target.value as ActionDraft["waitFor"] })}>
              <option value="time">a time</option>
              <option value="selector">an element</option>
            </select>
          </Labelled>
          {action.waitFor === "time" ? whole("milliseconds", "Milliseconds") : selector("Selector", ".results li")}
        </>
      );
    case "click":
      return (
        <>
          {selector()}
          {whole("repeat", "Repeat")}
          <label className="check">
            <input type="checkbox" checked={action.all} onChange={(e) => set({ all: e.target.checked })} /> <span className="sr-only">Action {n}: </span>Every match
          </label>
        </>
      );
    case "write":
      return (
        <>
          {selector("Field (selector)", "input[name=q]")}
          <Labelled label="Text" htmlFor={id("text")}>
            <input id={id("text")} aria-label={`Action ${n} text`} value={action.text} onChange={(e) => set({ text: e.target.value })} />
          </Labelled>
        </>
      );
    case "press":
      return (
        <Labelled label="Key" htmlFor={id("key")}>
          <input id={id("key")} aria-label={`Action ${n} key`} list="action-keys" value={action.key} onChange={(e) => set({ key: e.target.value })} />
        </Labelled>
      );
    case "select":
      return (
        <>
          {selector("List (selector)", "select#size")}
          <Labelled label="Option value" htmlFor={id("value")}>
            <input id={id("value")} aria-label={`Action ${n} option value`} value={action.value} onChange={(e) => set({ value: e.target.value })} />
          </Labelled>
        </>
      );
    case "hover":
      return selector("Selector", ".menu");
    case "scroll":
      return (
        <>
          <Labelled label="Direction" htmlFor={id("direction")}>
            <select id={id("direction")} aria-label={`Action ${n} direction`} value={action.direction} onChange={(e) => set({ direction: e.target.value as ActionDraft["direction"] })}>
              <option value="down">down</option>
              <option value="up">up</option>
            </select>
          </Labelled>
          <Labelled label="Until" htmlFor={id("until")}>
            <select id={id("until")} aria-label={`Action ${n} scrolls until`} value={action.until} onChange={(e) => set({ until: e.target.value as ActionDraft["until"] })}>
              <option value="end">the end (the page stops growing)</option>
              <option value="selector">an element shows</option>
              <option value="screens">a number of screens</option>
            </select>
          </Labelled>
          {action.until === "selector" && selector("Selector", "#footer")}
          {action.until === "screens" && whole("screens", "Screens")}
          {whole("maxScrolls", "Max scrolls")}
        </>
      );
    case "screenshot":
      return (
        <label className="check">
          <input type="checkbox" checked={action.fullPage} onChange={(e) => set({ fullPage: e.target.checked })} /> <span className="sr-only">Action {n}: </span>Full page
        </label>
      );
    case "scrape":
      return <p className="hint">Extracts the page as it is at this point: a record per extract action.</p>;
    case "pdf":
      return <p className="hint">Prints the page as it is at this point to a PDF file of the job.</p>;
    case "evaluate":
      return (
        <Labelled label="JavaScript" htmlFor={id("script")}>
          <textarea
            id={id("script")}
            aria-label={`Action ${n} script`}
            rows={4}
            spellCheck={false}
            placeholder="document.querySelector('#consent')?.remove()"
            value={action.script}
            onChange={(e) => set({ script: e.target.value })}
          />
        </Labelled>
      );
  }
}

type Direction = "up" | "down";

interface ActionsEditorProps {
  value: ActionDraft[];
  onChange: (actions: ActionDraft[]) => void;
  /** Action types not offered here (captures in a batch, outputs in a login). */
  hidden?: ReadonlySet<string>;
  /** What an empty list means where the editor is. */
  emptyText?: string;
  /** Offer `evaluate` (custom JavaScript): only where the API accepts it (`/health` `features.script_actions`). */
  scripts?: boolean;
}

export function ActionsEditor({ value, onChange, hidden, emptyText = "No actions: the page is extracted once it has loaded.", scripts = false }: ActionsEditorProps) {
  const [adding, setAdding] = useState<ActionType>("click");
  // After a move the pressed button is re-rendered elsewhere: focus follows it (or its twin when it is
  // now disabled at the end of the list), so the keyboard user can press it again.
  const [focus, setFocus] = useState<{ id: number; direction: Direction } | null>(null);
  const buttons = useRef(new Map<string, HTMLButtonElement>());
  useEffect(() => {
    if (!focus) return;
    const pressed = buttons.current.get(`${focus.id}-${focus.direction}`);
    const twin = buttons.current.get(`${focus.id}-${focus.direction === "up" ? "down" : "up"}`);
    (pressed && !pressed.disabled ? pressed : twin)?.focus();
    setFocus(null);
  }, [focus]);
  const ref = (id: number, direction: Direction) => (el: HTMLButtonElement | null) => {
    if (el) buttons.current.set(`${id}-${direction}`, el);
    else buttons.current.delete(`${id}-${direction}`);
  };
  const move = (i: number, direction: Direction) => {
    onChange(moveAction(value, i, direction === "up" ? -1 : 1));
    setFocus({ id: value[i]!.id, direction });
  };
  const types = ACTION_TYPES.filter((t) => !hidden?.has(t.type) && (scripts || !SCRIPT_ACTIONS.has(t.type)));
  const chosen = types.some((t) => t.type === adding) ? adding : types[0]!.type;

  return (
    <div className="actions-editor" data-testid="actions-editor">
      {value.length === 0 && <p className="empty">{emptyText}</p>}
      <ol className="step-list" aria-label="Actions, in order">
        {value.map((action, i) => {
          const n = i + 1;
          const label = ACTION_TYPES.find((t) => t.type === action.type)?.label ?? action.type;
          return (
            <li key={action.id} className="step-card" data-action={action.type}>
              <div className="step-head">
                <span className="step-index" aria-hidden="true">
                  {n}
                </span>
                <strong>{label}</strong>
                <span className="spacer" />
                <button type="button" className="icon" ref={ref(action.id, "up")} aria-label={`Move action ${n} up`} disabled={i === 0} onClick={() => move(i, "up")}>
                  ↑
                </button>
                <button
                  type="button"
                  className="icon"
                  ref={ref(action.id, "down")}
                  aria-label={`Move action ${n} down`}
                  disabled={i === value.length - 1}
                  onClick={() => move(i, "down")}
                >
                  ↓
                </button>
                <button type="button" className="icon danger" aria-label={`Remove action ${n}`} onClick={() => onChange(removeAction(value, i))}>
                  ×
                </button>
              </div>
              <div className="step-fields">
                <ActionFields action={action} n={n} set={(patch) => onChange(updateAction(value, i, patch))} />
              </div>
              <details className="action-more">
                <summary className="small">Timeout and failure</summary>
                <div className="step-fields">
                  <Labelled label="Timeout (ms)" htmlFor={`action-${action.id}-timeout`}>
                    <input
                      id={`action-${action.id}-timeout`}
                      aria-label={`Action ${n} timeout (ms)`}
                      type="number"
                      min={1}
                      placeholder="10000"
                      value={action.timeoutMs}
                      onChange={(e) => onChange(updateAction(value, i, { timeoutMs: e.target.value }))}
                    />
                  </Labelled>
                  <label className="check">
                    <input type="checkbox" checked={action.optional} onChange={(e) => onChange(updateAction(value, i, { optional: e.target.checked }))} />{" "}
                    <span className="sr-only">Action {n}: </span>Optional (a failure is reported and the next action runs)
                  </label>
                </div>
              </details>
            </li>
          );
        })}
      </ol>
      <div className="add-step">
        <label htmlFor="add-action">Add an action</label>
        <select id="add-action" value={chosen} onChange={(e) => setAdding(e.target.value as ActionType)}>
          {types.map((t) => (
            <option key={t.type} value={t.type}>
              {t.label} ({t.type})
            </option>
          ))}
        </select>
        <button type="button" disabled={value.length >= MAX_ACTIONS} onClick={() => onChange(addAction(value, chosen))}>
          + Add action
        </button>
      </div>
      <datalist id="action-keys">
        {KEYS.map((k) => (
          <option key={k} value={k} />
        ))}
      </datalist>
    </div>
  );
}
