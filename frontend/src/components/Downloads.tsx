/** Download buttons: fetched with the API key, then saved by the browser. */

import { useState } from "react";
import { downloadJobRecords, type RecordFormat } from "../api/endpoints";
import { ErrorMessage } from "./common";

/** `download` fetches the file and hands it to the browser; it resolves with the file's name. */
export function DownloadButton({ download, label }: { download: () => Promise<string>; label: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  async function run() {
    setBusy(true);
    setError(null);
    try {
      await download();
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

const FORMATS: RecordFormat[] = ["csv", "json", "jsonl", "xlsx"];

export function RecordDownloads({ jobId }: { jobId: string }) {
  return (
    <div className="downloads" role="group" aria-label="Download records">
      <span className="muted">Download:</span>
      {FORMATS.map((f) => (
        <DownloadButton key={f} download={() => downloadJobRecords(jobId, f, `job-${jobId.slice(0, 8)}.${f}`)} label={f.toUpperCase()} />
      ))}
    </div>
  );
}
