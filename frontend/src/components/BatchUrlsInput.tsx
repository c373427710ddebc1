/** A batch's URLs: pasted one a line, or a column of an uploaded CSV file (read in the browser). */

import { useMemo, useState } from "react";
import { csvTable, guessUrlColumn, parseCsv, urlListError } from "../lib/batchUrls";
import { batchUrls, type BatchForm } from "../lib/scrapeForm";

const SOURCES: Array<{ value: BatchForm["source"]; label: string }> = [
  { value: "paste", label: "Paste URLs" },
  { value: "csv", label: "Upload a CSV file" },
];

export function BatchUrlsInput({ value, onChange }: { value: BatchForm; onChange: (batch: BatchForm) => void }) {
  const [readError, setReadError] = useState<string | null>(null);
  const list = useMemo(() => batchUrls(value), [value]);
  const problem = value.source === "csv" && !value.csv ? null : urlListError(list);
  const csv = value.csv;
  const table = useMemo(() => (csv ? csvTable(csv.rows, csv.header) : null), [csv]);

  async function load(file: File | undefined) {
    setReadError(null);
    if (!file) return;
    try {
      const rows = parseCsv(await file.text());
      if (rows.length === 0) throw new Error("the file holds no rows");
      const found = csvTable(rows);
      onChange({ ...value, csv: { fileName: file.name, rows, header: found.header, column: guessUrlColumn(found) } });
    } catch (e) {
      setReadError(`${file.name} could not be read: ${e instanceof Error ? e.message : String(e)}.`);
      onChange({ ...value, csv: null });
    }
  }

  return (
    <fieldset className="batch-urls">
      <legend>URLs</legend>
      <div className="segmented" role="radiogroup" aria-label="Where the URLs come from">
        {SOURCES.map((s) => (
          <label key={s.value} className={value.source === s.value ? "active" : ""}>
            <input type="radio" name="batch-source" value={s.value} checked={value.source === s.value} onChange={() => onChange({ ...value, source: s.value })} />
            {s.label}
          </label>
        ))}
      </div>

      {value.source === "paste" ? (
        <div className="field">
          <label htmlFor="batch-urls">URLs, one a line</label>
          <textarea
            id="batch-urls"
            rows={8}
            placeholder={"https://shop.example/p/1\nhttps://shop.example/p/2"}
            value={value.text}
            aria-invalid={problem !== null && value.text.trim() !== ""}
            aria-describedby="batch-count"
            onChange={(e) => onChange({ ...value, text: e.target.value })}
          />
        </div>
      ) : (
        <div className="grid-2">
          <div className="field">
            <label htmlFor="batch-file">CSV file</label>
            <input id="batch-file" type="file" accept=".csv,.tsv,.txt,text/csv,text/plain" onChange={(e) => void load(e.target.files?.[0])} />
            <p className="hint">Read in your browser: comma, semicolon or tab separated, quoted fields allowed.</p>
          </div>
          {csv && table && (
            <div className="field">
              <label htmlFor="batch-column">Column holding the URLs</label>
              <select id="batch-column" value={csv.column} onChange={(e) => onChange({ ...value, csv: { ...csv, column: Number(e.target.value) } })}>
                {table.columns.map((c, i) => (
                  <option key={i} value={i}>
                    {c}
                  </option>
                ))}
              </select>
              <label className="check">
                <input type="checkbox" checked={csv.header} onChange={(e) => onChange({ ...value, csv: { ...csv, header: e.target.checked } })} /> First row holds column names
              </label>
              <p className="hint">
                {csv.fileName}: {table.rows.length.toLocaleString("en-US")} row{table.rows.length === 1 ? "" : "s"}
              </p>
            </div>
          )}
        </div>
      )}
      {readError && (
        <p className="field-error" role="alert">
          {readError}
        </p>
      )}
      <p id="batch-count" data-testid="batch-count" aria-live="polite" className={problem && list.urls.length + list.problems.length > 0 ? "field-error" : "hint"}>
        {problem && list.urls.length + list.problems.length > 0
          ? problem
          : `${list.urls.length.toLocaleString("en-US")} URL${list.urls.length === 1 ? "" : "s"}: a record per URL, in this order.`}
      </p>
    </fieldset>
  );
}
