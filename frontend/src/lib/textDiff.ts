/**
 * A unified diff (as a monitor's text change carries it) as side-by-side rows: the old text on the
 * left, the new on the right, removed lines paired with the added lines that replaced them.
 */

export interface DiffCell {
  /** The line's number in its text (1-based). */
  n: number;
  text: string;
}

export type DiffRow =
  | { kind: "hunk"; text: string }
  | { kind: "note"; text: string }
  | { kind: "same" | "changed" | "removed" | "added"; left: DiffCell | null; right: DiffCell | null };

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** The rows of `diff`; the `---`/`+++` header lines are left out, and so are empty lines (no line of
 * a unified diff is empty: an empty context line is one space). */
export function sideBySide(diff: string): DiffRow[] {
  const rows: DiffRow[] = [];
  let left = 1;
  let right = 1;
  let removed: DiffCell[] = [];
  let added: DiffCell[] = [];

  // A run of removed lines followed by added ones is one replacement: pair them line by line.
  function flush(): void {
    const length = Math.max(removed.length, added.length);
    for (let i = 0; i < length; i++) {
      const a = removed[i] ?? null;
      const b = added[i] ?? null;
      rows.push({ kind: a && b ? "changed" : a ? "removed" : "added", left: a, right: b });
    }
    removed = [];
    added = [];
  }

  const lines = diff.split("\n");
  let start = 0;
  while (start < lines.length && (lines[start]!.startsWith("--- ") || lines[start]!.startsWith("+++ "))) start++;
  for (const line of lines.slice(start)) {
    const hunk = HUNK.exec(line);
    if (hunk) {
      flush();
      left = Number(hunk[1]) || 1;
      right = Number(hunk[2]) || 1;
      rows.push({ kind: "hunk", text: line });
    } else if (line.startsWith("-")) {
      // A removal after additions starts a new replacement.
      if (added.length) flush();
      removed.push({ n: left++, text: line.slice(1) });
    } else if (line.startsWith("+")) {
      added.push({ n: right++, text: line.slice(1) });
    } else if (line.startsWith("\\")) {
      flush();
      rows.push({ kind: "note", text: line.slice(1).trim() });
    } else if (line.startsWith(" ")) {
      flush();
      const text = line.slice(1);
      rows.push({ kind: "same", left: { n: left++, text }, right: { n: right++, text } });
    }
  }
  flush();
  return rows;
}

/** Where two versions of a line differ: the common start and end, and the parts between. */
export function inlineChange(before: string, after: string): { prefix: string; removed: string; added: string; suffix: string } {
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before[start] === after[start]) start++;
  let end = 0;
  while (end < shortest - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return {
    prefix: before.slice(0, start),
    removed: before.slice(start, before.length - end),
    added: after.slice(start, after.length - end),
    suffix: before.slice(before.length - end),
  };
}
