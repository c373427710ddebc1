/** Choose a saved session (`GET /api/sessions`) for a scrape or a batch: it runs logged in. */

import { useEffect, useState } from "react";
import { listSessions } from "../api/endpoints";
import type { Session } from "../api/types";
import { Link } from "../lib/router";

const STATUS: Record<Session["status"], string> = {
  ready: "logged in",
  needs_login: "logs in at the next use",
  logging_in: "logging in now",
  failed: "last login failed",
};

export function sessionLabel(s: Session): string {
  return `${s.name} (${STATUS[s.status]})`;
}

export function SessionPicker({ value, onChange }: { value: string; onChange: (name: string) => void }) {
  const [sessions, setSessions] = useState<Session[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    listSessions(controller.signal).then(setSessions, () => {
      if (!controller.signal.aborted) setFailed(true);
    });
    return () => controller.abort();
  }, []);
  const known = sessions?.some((s) => s.name === value) ?? true;
  const chosen = sessions?.find((s) => s.name === value);
  return (
    <div className="field">
      <label htmlFor="session">Session (optional)</label>
      <select id="session" value={value} onChange={(e) => onChange(e.target.value)} disabled={!sessions && !failed && !value}>
        <option value="">No session</option>
        {sessions?.map((s) => (
          <option key={s.session_id} value={s.name}>
            {sessionLabel(s)}
          </option>
        ))}
        {value && !known && <option value={value}>{value} (not found)</option>}
      </select>
      <p className="hint">
        {failed
          ? "The sessions could not be loaded."
          : sessions && sessions.length === 0
            ? "No saved sessions yet. "
            : "Scrape logged in: its cookies go with every request, its storage state into the browser. "}
        {chosen?.status === "failed" && chosen.last_error ? `Last error: ${chosen.last_error} ` : ""}
        <Link to="/sessions">Manage sessions</Link>
      </p>
    </div>
  );
}
