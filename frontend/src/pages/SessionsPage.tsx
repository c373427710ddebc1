/** Saved sessions (logins scrapes use by name): list, log in again, delete; a new one from a login or an upload. */

import { useState, type FormEvent } from "react";
import { createSession, deleteSession, listSessions, loginSessionAgain } from "../api/endpoints";
import type { Session } from "../api/types";
import { ActionsEditor } from "../components/ActionsEditor";
import { CardTable, Empty, ErrorMessage, Loading, Notice } from "../components/common";
import { OUTPUT_ACTIONS } from "../lib/actions";
import { formatAge, formatTime } from "../lib/format";
import { buildSessionRequest, emptySessionDraft, type SessionDraft, type SessionKind } from "../lib/sessionForm";
import { usePolling } from "../lib/usePolling";
import { useScriptActions } from "../lib/useScriptActions";

const KINDS: Array<{ value: SessionKind; label: string; help: string }> = [
  { value: "login", label: "Log in", help: "a login page and the actions that log in; the worker runs them when needed" },
  { value: "storage_state", label: "Storage state", help: "a Playwright storage state file (JSON), saved from a logged-in browser" },
  { value: "cookies", label: "Cookies", help: "a cookie export: JSON cookie objects or a Netscape cookies.txt" },
];
const KIND_NAMES: Record<Session["kind"], string> = { login: "login", storage_state: "storage state", cookies: "cookies" };

function When({ at }: { at: string | null | undefined }) {
  return at ? <span title={formatTime(at)}>{formatAge(at)}</span> : <span className="muted">never</span>;
}

function NewSession({ onCreated }: { onCreated: (s: Session) => void }) {
  const [draft, setDraft] = useState<SessionDraft>(emptySessionDraft);
  const scripts = useScriptActions();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const update = (patch: Partial<SessionDraft>) => setDraft((d) => ({ ...d, ...patch }));

  async function load(file: File | undefined) {
    update({ fileName: file?.name ?? "", fileText: file ? await file.text() : "" });
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let body;
    try {
      body = buildSessionRequest(draft);
    } catch (e) {
      setError(e);
      return;
    }
    setBusy(true);
    try {
      const created = await createSession(body);
      setDraft(emptySessionDraft());
      onCreated(created);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={submit} className="new-session" aria-labelledby="new-session-title">
      <h2 id="new-session-title">New session</h2>
      <div className="grid-2">
        <div className="field">
          <label htmlFor="session-name">Name</label>
          <input id="session-name" required placeholder="shop-account" value={draft.name} onChange={(e) => update({ name: e.target.value })} />
          <p className="hint">Scrapes, batches and monitors name it in “session”.</p>
        </div>
      </div>
      <fieldset className="strategy">
        <legend>How it logs in</legend>
        {KINDS.map((k) => (
          <label key={k.value} className="radio-card">
            <input type="radio" name="session-kind" value={k.value} checked={draft.kind === k.value} onChange={() => update({ kind: k.value })} />
            <span>
              <strong>{k.label}</strong> <span className="muted small">{k.help}</span>
            </span>
          </label>
        ))}
      </fieldset>
      {draft.kind === "login" ? (
        <fieldset>
          <legend>Login</legend>
          <div className="field">
            <label htmlFor="login-url">Login page</label>
            <input id="login-url" type="url" placeholder="https://shop.example/login" value={draft.loginUrl} onChange={(e) => update({ loginUrl: e.target.value })} />
          </div>
          <p className="hint">
            The actions run in the browser on that page: write the user name and the password, then click the button or press Enter. Typed text is stored encrypted
            and never shown again.
          </p>
          <ActionsEditor
            value={draft.actions}
            onChange={(actions) => update({ actions })}
            hidden={OUTPUT_ACTIONS}
            emptyText="No actions yet: add the steps that log in."
            scripts={scripts}
          />
        </fieldset>
      ) : (
        <div className="field">
          <label htmlFor="session-file">{draft.kind === "storage_state" ? "Storage state file" : "Cookie file"}</label>
          <input
            id="session-file"
            type="file"
            accept={draft.kind === "storage_state" ? ".json,application/json" : ".json,.txt,application/json,text/plain"}
            onChange={(e) => void load(e.target.files?.[0])}
          />
          {draft.fileName && <p className="hint">{draft.fileName}: read in the browser, sent once, stored encrypted.</p>}
        </div>
      )}
      <fieldset>
        <legend>Check (optional)</legend>
        <p className="hint">A page only a logged-in user sees, and what it shows: when the check fails, the login runs again (once per job).</p>
        <div className="grid-2">
          <div className="field">
            <label htmlFor="check-url">Page</label>
            <input id="check-url" type="url" placeholder="https://shop.example/account" value={draft.checkUrl} onChange={(e) => update({ checkUrl: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="check-selector">Shows (selector)</label>
            <input id="check-selector" placeholder=".account-name" value={draft.checkSelector} onChange={(e) => update({ checkSelector: e.target.value })} />
          </div>
          <label className="check">
            <input type="checkbox" checked={draft.checkStrategy === "dynamic"} onChange={(e) => update({ checkStrategy: e.target.checked ? "dynamic" : "static" })} /> Load
            the check page in the browser
          </label>
        </div>
      </fieldset>
      <ErrorMessage error={error} title="The session was not saved" />
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? "Saving…" : "Save session"}
        </button>
      </div>
    </form>
  );
}

export function SessionsPage() {
  // Polled while a session is logging in, so its outcome shows up without a reload.
  const polled = usePolling<Session[]>(listSessions, (list) => list.some((s) => s.status === "logging_in"), []);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState<string | null>(null);

  async function act(run: () => Promise<unknown>) {
    setError(null);
    try {
      await run();
      polled.refresh();
    } catch (e) {
      setError(e);
    }
  }

  const remove = (s: Session) => {
    if (window.confirm(`Delete the session ${s.name} and its stored secrets?`)) void act(() => deleteSession(s.session_id));
  };

  const sessions = polled.data;
  return (
    <section aria-labelledby="sessions-title">
      <div className="page-head">
        <h1 id="sessions-title">Sessions</h1>
        <button type="button" onClick={polled.refresh}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Logins that scrapes use by name: their cookies go with every request, their storage state into the browser. Secrets are stored encrypted and never shown.
      </p>
      {saved && <Notice kind="ok">Session {saved} saved.</Notice>}
      <ErrorMessage error={error} title="Action failed" />
      {polled.error ? <ErrorMessage error={polled.error} title="Sessions could not be loaded" /> : null}
      {!sessions && !polled.error && <Loading what="Loading sessions" />}
      {sessions && sessions.length === 0 && <Empty>No sessions yet: save one below.</Empty>}
      {sessions && sessions.length > 0 && (
        <CardTable columns={["Name", "Kind", "Status", "Cookies", "Last login", "Last check"]} testId="sessions-table" actions>
          {sessions.map((s) => (
            <tr key={s.session_id} data-session={s.name}>
              <td data-label="Name">
                <strong>{s.name}</strong>
                {s.login && <div className="muted small break">{s.login.url}</div>}
              </td>
              <td data-label="Kind">{KIND_NAMES[s.kind]}</td>
              <td data-label="Status">
                <span className={`badge badge-${s.status}`} data-status={s.status}>
                  {s.status.replace("_", " ")}
                </span>
                {s.last_error && <div className="field-error">{s.last_error}</div>}
              </td>
              <td data-label="Cookies" title={s.cookie_domains.join(", ")}>
                {s.cookie_count}
                {s.cookie_domains.length > 0 && <span className="muted small"> · {s.cookie_domains.slice(0, 3).join(", ")}{s.cookie_domains.length > 3 ? " …" : ""}</span>}
              </td>
              <td data-label="Last login">
                <When at={s.last_login_at} />
              </td>
              <td data-label="Last check">
                <When at={s.last_check_at} />
              </td>
              <td>
                <div className="row-actions">
                  {s.kind === "login" && (
                    <button type="button" onClick={() => void act(() => loginSessionAgain(s.session_id))} aria-label={`Log ${s.name} in again`}>
                      Log in again
                    </button>
                  )}
                  <button type="button" className="danger" onClick={() => remove(s)} aria-label={`Delete ${s.name}`}>
                    Delete
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </CardTable>
      )}
      <NewSession
        onCreated={(s) => {
          setSaved(s.name);
          polled.refresh();
        }}
      />
    </section>
  );
}
