/**
 * The URLs of a batch, from pasted lines or a CSV column, checked the way the API checks them
 * (http(s) only, at most 10,000) so the form can say what is wrong before anything is sent.
 */

export const MAX_BATCH_URLS = 10_000;
/** Problems listed one by one; past this many only their count is given. */
export const SHOWN_PROBLEMS = 5;

export interface UrlProblem {
  /** Where the user sees it: "Line 3" or "Row 4". */
  where: string;
  text: string;
}

export interface UrlList {
  urls: string[];
  problems: UrlProblem[];
}

export function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\//i.test(text)) return false;
  try {
    return Boolean(new URL(text).hostname);
  } catch {
    return false;
  }
}

/** Pasted text, one URL a line; blank lines are skipped. */
export function urlsFromLines(text: string): UrlList {
  const urls: string[] = [];
  const problems: UrlProblem[] = [];
  text.split(/\r?\n|\r/).forEach((line, i) => {
    const url = line.trim();
    if (!url) return;
    if (isHttpUrl(url)) urls.push(url);
    else problems.push({ where: `Line ${i + 1}`, text: url });
  });
  return { urls, problems };
}

// --- CSV ------------------------------------------------------------------------------------------

/** The delimiter of the first line, counted outside quotes: comma, semicolon or tab. */
function detectDelimiter(text: string): string {
  const counts: Record<string, number> = { ",": 0, ";": 0, "\t": 0 };
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && (ch === "\n" || ch === "\r")) break;
    else if (!quoted && ch in counts) counts[ch]! += 1;
  }
  return Object.entries(counts).reduce((best, entry) => (entry[1] > best[1] ? entry : best), [",", 0])[0];
}

/** Rows of a CSV file (RFC 4180: quoted fields may hold delimiters, newlines and doubled quotes). */
export function parseCsv(text: string, delimiter = detectDelimiter(text)): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const endRow = () => {
    row.push(field);
    // A blank line is no row (a file's last newline included).
    if (row.length > 1 || row[0] !== "") rows.push(row);
    row = [];
    field = "";
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quoted) {
      if (ch !== '"') field += ch;
      else if (source[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === delimiter) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && source[i + 1] === "\n") i++;
      endRow();
    } else field += ch;
  }
  if (field !== "" || row.length > 0) endRow();
  return rows;
}

export interface CsvTable {
  /** Column names: the first row when it is a header, else "Column 1", "Column 2" ... */
  columns: string[];
  /** The rows below the header. */
  rows: string[][];
  header: boolean;
}

/** A header row is one where no cell is a URL (a file of bare URLs has none). */
export function csvTable(rows: string[][], header = rows.length > 0 && !rows[0]!.some((cell) => isHttpUrl(cell.trim()))): CsvTable {
  const width = rows.reduce((w, r) => Math.max(w, r.length), 0);
  const names = header ? rows[0]!.map((c, i) => c.trim() || `Column ${i + 1}`) : [];
  const columns = Array.from({ length: width }, (_, i) => names[i] ?? `Column ${i + 1}`);
  return { columns, rows: header ? rows.slice(1) : rows, header };
}

/** The column that most likely holds the URLs: the one named like it, else the one with most URLs. */
export function guessUrlColumn(table: CsvTable): number {
  const named = table.columns.findIndex((c) => /^(urls?|links?|href|address|page|website)$/i.test(c.trim()));
  if (table.header && named >= 0) return named;
  const sample = table.rows.slice(0, 50);
  let best = 0;
  let bestCount = -1;
  table.columns.forEach((_, i) => {
    const count = sample.filter((r) => isHttpUrl((r[i] ?? "").trim())).length;
    if (count > bestCount) [best, bestCount] = [i, count];
  });
  return best;
}

/** The URLs of one column; empty cells are skipped, rows are numbered as in the file. */
export function urlsFromColumn(table: CsvTable, column: number): UrlList {
  const urls: string[] = [];
  const problems: UrlProblem[] = [];
  const first = table.header ? 2 : 1;
  table.rows.forEach((row, i) => {
    const url = (row[column] ?? "").trim();
    if (!url) return;
    if (isHttpUrl(url)) urls.push(url);
    else problems.push({ where: `Row ${i + first}`, text: url });
  });
  return { urls, problems };
}

/** Why the list cannot be sent, in words; `null` when it can. */
export function urlListError(list: UrlList): string | null {
  const { urls, problems } = list;
  if (problems.length > 0) {
    const shown = problems.slice(0, SHOWN_PROBLEMS).map((p) => `${p.where}: ${JSON.stringify(shorten(p.text))}`);
    const more = problems.length > SHOWN_PROBLEMS ? `, and ${problems.length - SHOWN_PROBLEMS} more` : "";
    const count = problems.length === 1 ? "1 entry is" : `${problems.length} entries are`;
    return `${count} not an http(s) URL: ${shown.join("; ")}${more}.`;
  }
  if (urls.length === 0) return "Give at least one URL.";
  if (urls.length > MAX_BATCH_URLS) {
    return `A batch takes at most ${MAX_BATCH_URLS.toLocaleString("en-US")} URLs; this one has ${urls.length.toLocaleString("en-US")}: split it.`;
  }
  return null;
}

function shorten(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
