/** New monitor (or edit one): the page to watch (URL, strategy, schema), when, what identifies a record, what counts. */

import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { ApiError } from "../api/client";
import { getMonitor, saveMonitor } from "../api/endpoints";
import type { ConditionOp, NotifyEvent } from "../api/types";
import { ErrorMessage, Loading, Notice } from "../components/common";
import { SchemaEditor } from "../components/SchemaEditor";
import { SessionPicker } from "../components/SessionPicker";
import {
  CONDITION_OPS,
  NOTIFY_EVENTS,
  OPS_WITH_VALUE,
  WATCH_FORMATS,
  buildMonitorRequest,
  defaultMonitorForm,
  formFromMonitor,
  nameList,
  problemsByInput,
  type ConditionRow,
  type MonitorForm,
  type NotifyRow,
  type WatchFormat,
} from "../lib/monitorForm";
import { recordFieldNames } from "../lib/monitorView";
import { Link, navigate } from "../lib/router";
import { SchemaError, buildSchema } from "../lib/schema";
import type { Strategy } from "../lib/scrapeForm";

const STRATEGIES: Array<{ value: Strategy; label: string; help: string }> = [
  { value: "static", label: "Static", help: "HTTP fetch, no JavaScript: fastest" },
  { value: "dynamic", label: "Dynamic", help: "headless Chromium runs the page's scripts" },
  { value: "auto", label: "Auto", help: "static first, the browser when the page needs it" },
];
const WATCH_LABELS: Record<WatchFormat, string> = {
  data: "Records (the schema's fields)",
  markdown: "Page text as Markdown",
  text: "Page text, plain",
};
const OP_LABELS: Record<ConditionOp, string> = {
  decreased: "decreased",
  increased: "increased",
  changed: "changed",
  lt: "became less than",
  gt: "became greater than",
  eq: "became equal to",
  contains: "contains",
};

type Problems = Record<string, string[]>;

/** A labelled input with its hint and, after a 422, the API's messages for it. */
function Field({ label, id, hint, problems, children }: { label: string; id: string; hint?: ReactNode; problems: Problems; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {hint && <p className="hint">{hint}</p>}
      <FieldProblems id={id} problems={problems} />
    </div>
  );
}

function FieldProblems({ id, problems }: { id: string; problems: Problems }) {
  const mine = problems[id];
  if (!mine?.length) return null;
  return (
    <span className="field-error" id={`${id}-error`}>
      {mine.join("; ")}
    </span>
  );
}

/** The attributes that tie an input to its messages. */
function invalid(id: string, problems: Problems) {
  return problems[id]?.length ? { "aria-invalid": true, "aria-describedby": `${id}-error` } : {};
}

/** Buttons that add or remove one known field name in a comma-separated list. */
function FieldPicks({ value, fields, onChange, label }: { value: string; fields: string[]; onChange: (v: string) => void; label: string }) {
  if (fields.length === 0) return null;
  const chosen = nameList(value);
  return (
    <div className="picks" role="group" aria-label={label}>
      {fields.map((f) => {
        const on = chosen.includes(f);
        return (
          <button type="button" key={f} className="pick" aria-pressed={on} onClick={() => onChange((on ? chosen.filter((x) => x !== f) : [...chosen, f]).join(", "))}>
            {f}
          </button>
        );
      })}
    </div>
  );
}

function ConditionRows({ rows, fields, onChange, problems }: { rows: ConditionRow[]; fields: string[]; onChange: (rows: ConditionRow[]) => void; problems: Problems }) {
  const update = (i: number, patch: Partial<ConditionRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return (
    <div className="rule-rows">
      <datalist id="monitor-fields">
        {fields.map((f) => (
          <option key={f} value={f} />
        ))}
      </datalist>
      {rows.map((row, i) => (
        <div key={i}>
          <div className="rule-row">
            <input aria-label={`Condition ${i + 1} field`} list="monitor-fields" placeholder="price" value={row.field} onChange={(e) => update(i, { field: e.target.value })} {...invalid(`condition-${i}`, problems)} />
            <select aria-label={`Condition ${i + 1} operator`} value={row.op} onChange={(e) => update(i, { op: e.target.value as ConditionOp })}>
              {CONDITION_OPS.map((op) => (
                <option key={op} value={op}>
                  {OP_LABELS[op]}
                </option>
              ))}
            </select>
            <input
              aria-label={`Condition ${i + 1} value`}
              placeholder={OPS_WITH_VALUE.includes(row.op) ? (row.op === "contains" ? "text" : "100") : "no value"}
              disabled={!OPS_WITH_VALUE.includes(row.op)}
              value={OPS_WITH_VALUE.includes(row.op) ? row.value : ""}
              onChange={(e) => update(i, { value: e.target.value })}
            />
            <button type="button" className="icon" aria-label={`Remove condition ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
          <FieldProblems id={`condition-${i}`} problems={problems} />
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { field: fields.find((f) => f !== "url") ?? "", op: "changed", value: "" }])}>
        + Add condition
      </button>
    </div>
  );
}

function NotifyRows({ rows, onChange, problems }: { rows: NotifyRow[]; onChange: (rows: NotifyRow[]) => void; problems: Problems }) {
  const update = (i: number, patch: Partial<NotifyRow>) => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const toggle = (i: number, event: NotifyEvent, on: boolean) =>
    update(i, { events: on ? NOTIFY_EVENTS.filter((e) => e === event || rows[i]!.events.includes(e)) : rows[i]!.events.filter((e) => e !== event) });
  return (
    <div className="rule-rows">
      {rows.map((row, i) => (
        <div key={i}>
          <div className="notify-row">
            <input
              aria-label={`Notify ${i + 1} URL`}
              placeholder="https://hooks.example.com/dataops or mailto://…"
              value={row.url}
              onChange={(e) => update(i, { url: e.target.value })}
              {...invalid(`notify-${i}`, problems)}
            />
            <span className="notify-events" role="group" aria-label={`Notify ${i + 1} events`}>
              {NOTIFY_EVENTS.map((event) => (
                <label key={event} className="check">
                  <input type="checkbox" checked={row.events.includes(event)} onChange={(e) => toggle(i, event, e.target.checked)} /> {event}
                </label>
              ))}
            </span>
            <button type="button" className="icon" aria-label={`Remove notify target ${i + 1}`} onClick={() => onChange(rows.filter((_, j) => j !== i))}>
              ×
            </button>
          </div>
          <FieldProblems id={`notify-${i}`} problems={problems} />
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, { url: "", events: ["change"] }])}>
        + Add notify target
      </button>
    </div>
  );
}

export function NewMonitorPage({ monitorRef }: { monitorRef?: string }) {
  const [form, setForm] = useState<MonitorForm | null>(monitorRef ? null : defaultMonitorForm);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    if (!monitorRef) return;
    getMonitor(monitorRef)
      .then((monitor) => setForm(formFromMonitor(monitor)))
      .catch(setError);
  }, [monitorRef]);

  if (!form) {
    return error ? <ErrorMessage error={error} title="The monitor could not be loaded" /> : <Loading what="Loading monitor" />;
  }
  return <MonitorEditor initial={form} monitorRef={monitorRef} key={monitorRef ?? "new"} />;
}

function MonitorEditor({ initial, monitorRef }: { initial: MonitorForm; monitorRef?: string }) {
  const [form, setForm] = useState<MonitorForm>(initial);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const problems: Problems = error instanceof ApiError ? problemsByInput(error.fieldProblems) : {};
  const update = (patch: Partial<MonitorForm>) => setForm((f) => ({ ...f, ...patch }));
  const updateTarget = (patch: Partial<MonitorForm["target"]>) => setForm((f) => ({ ...f, target: { ...f.target, ...patch } }));

  const fields = (() => {
    try {
      return ["url", ...recordFieldNames(buildSchema(form.target.schema)).filter((f) => f !== "url")];
    } catch {
      return ["url"];
    }
  })();
  const textFields = WATCH_FORMATS.filter((f) => f !== "data" && form.watch.includes(f));

  async function submit(event: FormEvent) {
    event.preventDefault();
    let body;
    try {
      body = buildMonitorRequest(form);
    } catch (e) {
      setError(e instanceof SchemaError ? new Error(`Schema: ${e.message}`) : e);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const saved = await saveMonitor(body, monitorRef);
      navigate(`/monitors/${saved.monitor_id}`);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="new-monitor-title" className="new-monitor">
      {monitorRef && (
        <p className="crumbs">
          <Link to={`/monitors/${encodeURIComponent(monitorRef)}`}>← {initial.name}</Link>
        </p>
      )}
      <h1 id="new-monitor-title">{monitorRef ? `Edit ${initial.name}` : "New monitor"}</h1>
      {monitorRef && <Notice>A new URL, schema, strategy or key starts a new baseline: the next check compares nothing.</Notice>}
      <form onSubmit={submit}>
        <div className="grid-2">
          <Field label="Name" id="monitor-name" hint="Letters, digits, space . _ : -; every check job carries it." problems={problems}>
            <input id="monitor-name" required placeholder="shop prices" value={form.name} onChange={(e) => update({ name: e.target.value })} {...invalid("monitor-name", problems)} />
          </Field>
          <Field label="URL" id="monitor-url" hint="The page each check scrapes." problems={problems}>
            <input id="monitor-url" type="url" required placeholder="https://shop.example/prices" value={form.target.url} onChange={(e) => updateTarget({ url: e.target.value })} {...invalid("monitor-url", problems)} />
          </Field>
        </div>

        <fieldset className="strategy">
          <legend>Strategy</legend>
          {STRATEGIES.map((s) => (
            <label key={s.value} className="radio-card">
              <input type="radio" name="strategy" value={s.value} checked={form.target.strategy === s.value} onChange={() => updateTarget({ strategy: s.value })} />
              <span>
                <strong>{s.label}</strong> <span className="muted small">{s.help}</span>
              </span>
            </label>
          ))}
        </fieldset>

        <div id="monitor-session">
          <SessionPicker
            value={form.target.session}
            onChange={(session) => updateTarget({ session })}
            hint="Each check runs logged in: its cookies go with every request, its storage state into the browser. "
            invalid={invalid("monitor-session", problems)}
          />
          <FieldProblems id="monitor-session" problems={problems} />
        </div>

        <fieldset className="formats" id="monitor-watch">
          <legend>Watch</legend>
          {WATCH_FORMATS.map((f) => (
            <label key={f} className="check">
              <input type="checkbox" checked={form.watch.includes(f)} onChange={(e) => update({ watch: e.target.checked ? [...form.watch, f] : form.watch.filter((x) => x !== f) })} /> {WATCH_LABELS[f]}
            </label>
          ))}
          <FieldProblems id="monitor-watch" problems={problems} />
        </fieldset>

        {form.watch.includes("data") && (
          <div id="monitor-schema">
            <SchemaEditor value={form.target.schema} onChange={(schema) => updateTarget({ schema })} />
            <FieldProblems id="monitor-schema" problems={problems} />
          </div>
        )}

        <fieldset>
          <legend>When</legend>
          <div className="timing">
            <label className="check">
              <input type="radio" name="timing" checked={form.timing === "every"} onChange={() => update({ timing: "every" })} /> Every
            </label>
            <label className="check">
              <input type="radio" name="timing" checked={form.timing === "cron"} onChange={() => update({ timing: "cron" })} /> At cron times
            </label>
          </div>
          {form.timing === "every" ? (
            <Field label="Check every" id="monitor-every" hint="30s, 15m, 1h, 1d." problems={problems}>
              <input id="monitor-every" required value={form.every} onChange={(e) => update({ every: e.target.value })} {...invalid("monitor-every", problems)} />
            </Field>
          ) : (
            <div className="grid-2">
              <Field label="Cron" id="monitor-cron" hint="minute hour day month weekday, e.g. 0 6 * * 1-5" problems={problems}>
                <input id="monitor-cron" required placeholder="*/15 * * * *" value={form.cron} onChange={(e) => update({ cron: e.target.value })} {...invalid("monitor-cron", problems)} />
              </Field>
              <Field label="Time zone" id="monitor-timezone" hint="An IANA name, e.g. Europe/Berlin." problems={problems}>
                <input id="monitor-timezone" value={form.timezone} onChange={(e) => update({ timezone: e.target.value })} {...invalid("monitor-timezone", problems)} />
              </Field>
            </div>
          )}
          <label className="check">
            <input type="checkbox" checked={form.enabled} onChange={(e) => update({ enabled: e.target.checked })} /> Check on this schedule (off: only when you click “Check now”)
          </label>
        </fieldset>

        <fieldset>
          <legend>What counts as a change</legend>
          <div className="grid-2">
            <Field label="Key fields" id="monitor-key" hint="Fields that identify a record across checks (comma-separated)." problems={problems}>
              <input id="monitor-key" value={form.key} onChange={(e) => update({ key: e.target.value })} {...invalid("monitor-key", problems)} />
              <FieldPicks value={form.key} fields={fields} onChange={(key) => update({ key })} label="Schema fields for the key" />
            </Field>
            <Field label="Compare fields" id="monitor-compare" hint="Empty: every field but the key." problems={problems}>
              <input id="monitor-compare" value={form.compare} placeholder="all" onChange={(e) => update({ compare: e.target.value })} {...invalid("monitor-compare", problems)} />
              <FieldPicks value={form.compare} fields={[...fields.filter((f) => !nameList(form.key).includes(f)), ...textFields]} onChange={(compare) => update({ compare })} label="Schema fields to compare" />
            </Field>
          </div>
          <Field label="Ignore (one regex per line)" id="monitor-ignore" hint="Removed from text before comparing: counters, dates, session ids." problems={problems}>
            <textarea id="monitor-ignore" rows={2} placeholder={"\\d+ people viewing\nUpdated .*"} value={form.ignore} onChange={(e) => update({ ignore: e.target.value })} {...invalid("monitor-ignore", problems)} />
          </Field>
          <div className="grid-2">
            <label className="check">
              <input type="checkbox" checked={form.confirmRemovals} onChange={(e) => update({ confirmRemovals: e.target.checked })} /> Confirm removals (a record counts as removed once a second check also misses it)
            </label>
            <Field label="Minimum ratio" id="monitor-min-ratio" hint="A check with fewer than this share of the last check's records is suspect, never applied." problems={problems}>
              <input id="monitor-min-ratio" type="number" min={0} max={1} step={0.05} value={form.minRatio} onChange={(e) => update({ minRatio: e.target.value })} {...invalid("monitor-min-ratio", problems)} />
            </Field>
          </div>
        </fieldset>

        <fieldset id="monitor-conditions">
          <legend>Notify when</legend>
          <p className="hint">No condition: every change is notified.</p>
          <ConditionRows rows={form.conditions} fields={[...fields, ...textFields]} onChange={(conditions) => update({ conditions })} problems={problems} />
          {form.conditions.length > 1 && (
            <label className="check match">
              Notify when
              <select aria-label="Conditions that must hold" value={form.match} onChange={(e) => update({ match: e.target.value as MonitorForm["match"] })}>
                <option value="all">all conditions hold</option>
                <option value="any">any condition holds</option>
              </select>
            </label>
          )}
        </fieldset>

        <fieldset id="monitor-notify">
          <legend>Notify</legend>
          <p className="hint">An http(s) URL gets a signed webhook; any other scheme is an Apprise URL (mailto://, slack://, ntfy://, json://…).</p>
          <NotifyRows rows={form.notify} onChange={(notify) => update({ notify })} problems={problems} />
        </fieldset>

        <ErrorMessage error={error} title="The monitor was not saved" />

        <div className="actions sticky-actions">
          <button type="submit" className="primary" disabled={busy || form.watch.length === 0}>
            {busy ? "Saving…" : monitorRef ? "Save monitor" : "Create monitor"}
          </button>
          {form.watch.length === 0 && <span className="muted small">Pick what to watch.</span>}
        </div>
      </form>
    </section>
  );
}
