/** How times, durations and sizes read on screen. */

export function parseTime(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? null : ms;
}

/** A span of time in the largest sensible unit: "850 ms", "12 s", "3 min 5 s", "2 h 4 min", "3 d". */
export function formatDuration(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${(ms / 1000).toFixed(s < 10 ? 1 : 0)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return m % 60 ? `${h} h ${m % 60} min` : `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "just now", "5 s ago", "3 min ago". */
export function formatAge(iso: string | null | undefined, now = Date.now()): string {
  const t = parseTime(iso);
  if (t === null) return "";
  const ms = now - t;
  if (ms < 2000) return "just now";
  const text = formatDuration(ms).replace(/ \d+ (s|min)$/, "");
  return `${text} ago`;
}

/** Time from start to finish (or to now, while running). */
export function jobDuration(started: string | null | undefined, finished: string | null | undefined, now = Date.now()): string {
  const a = parseTime(started);
  if (a === null) return "";
  const b = parseTime(finished) ?? now;
  return formatDuration(b - a);
}

export function formatTime(iso: string | null | undefined): string {
  const t = parseTime(iso);
  return t === null ? "" : new Date(t).toLocaleString();
}

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || Number.isNaN(bytes)) return "";
  if (bytes < 1024) return `${bytes} B`;
  const units = ["KB", "MB", "GB", "TB"];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function formatNumber(n: unknown): string {
  return typeof n === "number" ? n.toLocaleString("en-US") : n === null || n === undefined ? "" : String(n);
}
