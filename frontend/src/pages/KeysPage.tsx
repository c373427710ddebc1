/** API keys of the team (admin): list, create (the key is shown once), revoke. */

import { useState, type FormEvent } from "react";
import { createKey, listKeys, revokeKey } from "../api/endpoints";
import type { ApiKey, ApiKeyCreated, KeyScope } from "../api/types";
import { CardTable, Empty, ErrorMessage, Loading, Notice } from "../components/common";
import { formatAge, formatTime } from "../lib/format";
import { usePolling } from "../lib/usePolling";

const SCOPES: Array<{ value: KeyScope; help: string }> = [
  { value: "read", help: "look at jobs, records, pipelines, monitors, exports" },
  { value: "write", help: "also queue scrapes and pipeline runs, cancel and retry jobs, upload files" },
  { value: "admin", help: "also keys, saved pipelines, schedules, monitors, sessions, and deletes" },
];

interface KeyDraft {
  name: string;
  scope: KeyScope;
  rate: string;
  daily: string;
}

const EMPTY: KeyDraft = { name: "", scope: "read", rate: "", daily: "" };

/** A limit field: blank is unlimited, otherwise a whole number of at least 1. */
export function parseLimit(text: string, what: string): number | null {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 1) throw new Error(`${what} is a whole number of at least 1, or blank for no limit.`);
  return Number(trimmed);
}

function NewKey({ onCreated }: { onCreated: (created: ApiKeyCreated) => void }) {
  const [draft, setDraft] = useState<KeyDraft>(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<KeyDraft>) => setDraft((d) => ({ ...d, ...patch }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const created = await createKey({
        name: draft.name.trim(),
        scope: draft.scope,
        rate_per_minute: parseLimit(draft.rate, "Requests a minute"),
        daily_jobs: parseLimit(draft.daily, "Jobs a day"),
      });
      setDraft(EMPTY);
      onCreated(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} aria-labelledby="new-key-title">
      <h2 id="new-key-title">New key</h2>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="key-name">Name</label>
          <input id="key-name" required maxLength={64} placeholder="ci" value={draft.name} onChange={(e) => update({ name: e.target.value })} />
          <p className="hint">Every job the key queues records this name.</p>
        </div>
        <div className="field">
          <label htmlFor="key-rate">Requests a minute</label>
          <input id="key-rate" inputMode="numeric" placeholder="no limit" value={draft.rate} onChange={(e) => update({ rate: e.target.value })} />
        </div>
        <div className="field">
          <label htmlFor="key-daily">Jobs a day (UTC)</label>
          <input id="key-daily" inputMode="numeric" placeholder="no limit" value={draft.daily} onChange={(e) => update({ daily: e.target.value })} />
        </div>
      </div>
      <fieldset className="strategy">
        <legend>Scope</legend>
        {SCOPES.map((s) => (
          <label key={s.value} className="radio-card">
            <input type="radio" name="key-scope" value={s.value} checked={draft.scope === s.value} onChange={() => update({ scope: s.value })} />
            <span>
              <strong>{s.value}</strong> <span className="muted small">{s.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <ErrorMessage error={error} title="The key was not created" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Creating…" : "Create key"}
        </button>
      </div>
    </form>
  );
}

/** The new key, shown this once: the server keeps only its hash. */
function ShownOnce({ created, onDone }: { created: ApiKeyCreated; onDone: () => void }) {
  const [copied, setCopied] = useState(false);
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.key);
      setCopied(true);
    } catch {
      setCopied(false);
    }
  }
  return (
    <Notice kind="ok">
      <p>
        Key <strong>{created.name}</strong> ({created.scope}) created. Copy it now: it is not shown again.
      </p>
      <p>
        <code className="break" data-testid="new-key">
          {created.key}
        </code>
      </p>
      <div className="row-actions">
        <button type="button" onClick={() => void copy()}>
          {copied ? "Copied" : "Copy"}
        </button>
        <button type="button" onClick={onDone}>
          Done
        </button>
      </div>
    </Notice>
  );
}

function limits(key: ApiKey): string {
  const parts = [key.rate_per_minute ? `${key.rate_per_minute}/min` : null, key.daily_jobs ? `${key.daily_jobs} jobs/day` : null].filter(Boolean);
  return parts.length ? parts.join(" · ") : "none";
}

export function KeysPage() {
  const polled = usePolling<ApiKey[]>(listKeys, () => false, []);
  const [error, setError] = useState<unknown>(null);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  async function revoke(key: ApiKey) {
    if (!window.confirm(`Revoke the key ${key.name}? Clients using it are refused within seconds.`)) return;
    setError(null);
    try {
      await revokeKey(key.key_id);
      polled.refresh();
    } catch (e) {
      setError(e);
    }
  }

  const keys = polled.data;
  return (
    <section aria-labelledby="keys-title">
      <div className="page-head">
        <h1 id="keys-title">Keys</h1>
        <button type="button" onClick={polled.refresh}>
          Refresh
        </button>
      </div>
      <p className="muted">
        API keys of the team, sent as <code>Authorization: Bearer …</code>. Keys are stored hashed; a revoked key keeps its row so its jobs still name it.
      </p>
      {created && <ShownOnce created={created} onDone={() => setCreated(null)} />}
      <ErrorMessage error={error} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Keys could not be loaded" /> : null}
      {!keys && !polled.error && <Loading what="Loading keys" />}
      {keys && keys.length === 0 && <Empty>No keys yet: the API is open until the first one (or API_KEY) exists.</Empty>}
      {keys && keys.length > 0 && (
        <CardTable columns={["Name", "Scope", "Key", "Limits", "Created", "Status"]} testId="keys-table" actions>
          {keys.map((k) => (
            <tr key={k.key_id} data-key={k.name}>
              <td data-label="Name">
                <strong>{k.name}</strong>
              </td>
              <td data-label="Scope">{k.scope}</td>
              <td data-label="Key">
                <code>{k.prefix}…</code>
              </td>
              <td data-label="Limits">{limits(k)}</td>
              <td data-label="Created" title={formatTime(k.created_at)}>
                {formatAge(k.created_at)}
              </td>
              <td data-label="Status">
                {k.revoked_at ? (
                  <span className="badge badge-cancelled" title={formatTime(k.revoked_at)}>
                    revoked
                  </span>
                ) : (
                  <span className="badge badge-completed">active</span>
                )}
              </td>
              <td>
                {!k.revoked_at && (
                  <div className="row-actions">
                    <button type="button" className="danger" onClick={() => void revoke(k)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </button>
                  </div>
                )}
              </td>
            </tr>
          ))}
        </CardTable>
      )}
      <NewKey
        onCreated={(c) => {
          setCreated(c);
          polled.refresh();
        }}
      />
    </section>
  );
}
