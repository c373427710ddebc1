/** Choose a saved session (`GET /api/sessions`) for a scrape, a batch or a monitor: it runs logged in. */

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

const SCRAPE_HINT = "Scrape logged in: its cookies go with every request, its storage state into the browser. ";

interface SessionPickerProps {
  value: string;
  onChange: (name: string) => void;
  /** What a chosen session does where the picker is (a scrape by default). */
  hint?: string;
  /** Attributes for the select, such as those that tie it to the API's messages. */
  invalid?: { "aria-invalid"?: boolean; "aria-describedby"?: string };
}

export function SessionPicker({ value, onChange, hint = SCRAPE_HINT, invalid }: SessionPickerProps) {
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
      <select id="session" value={value} onChange={(e) => onChange(e.target.value)} disabled={!sessions && !failed && !value} {...invalid}>
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
            : hint}
        {chosen?.status === "failed" && chosen.last_error ? `Last error: ${chosen.last_error} ` : ""}
        <Link to="/sessions">Manage sessions</Link>
      </p>
    </div>
  );
}
