/** Download buttons: fetched with the API key, then saved by the browser. */

import { useState } from "react";
import { download } from "../api/client";
import { ErrorMessage } from "./common";

export function DownloadButton({ path, fallbackName, label }: { path: string; fallbackName: string; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      await download(path, fallbackName);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }
  return (
    <>
      <button type="button" onClick={run} disabled={busy} aria-busy={busy}>
        {busy ? "Preparing…" : label}
      </button>
      {error ? <ErrorMessage error={error} title={`${label} failed`} /> : null}
    </>
  );
}

const FORMATS = ["csv", "json", "jsonl", "xlsx"] as const;

export function RecordDownloads({ jobId }: { jobId: string }) {
  return (
    <div className="downloads" role="group" aria-label="Download records">
      <span className="muted">Download:</span>
      {FORMATS.map((f) => (
        <DownloadButton
          key={f}
          path={`/api/jobs/${encodeURIComponent(jobId)}/results?format=${f}`}
          fallbackName={`job-${jobId.slice(0, 8)}.${f}`}
          label={f.toUpperCase()}
        />
      ))}
    </div>
  );
}
