import { describe, expect, it } from "vitest";
import { inlineChange, sideBySide } from "./textDiff";

describe("unified diff as side-by-side rows", () => {
  it("pairs a replaced line with its replacement and numbers both sides from the hunk header", () => {
    const diff = ["--- before", "+++ after", "@@ -3,3 +3,3 @@", " Opening hours", "-Mon-Fri 9-17", "+Mon-Fri 9-18", " Closed on Sunday"].join("\n");
    expect(sideBySide(diff)).toEqual([
      { kind: "hunk", text: "@@ -3,3 +3,3 @@" },
      { kind: "same", left: { n: 3, text: "Opening hours" }, right: { n: 3, text: "Opening hours" } },
      { kind: "changed", left: { n: 4, text: "Mon-Fri 9-17" }, right: { n: 4, text: "Mon-Fri 9-18" } },
      { kind: "same", left: { n: 5, text: "Closed on Sunday" }, right: { n: 5, text: "Closed on Sunday" } },
    ]);
  });

  it("leaves the other side empty where lines were only removed or only added", () => {
    const diff = ["@@ -1,3 +1,4 @@", " a", "-b", "-c", "+B", " d", "+e", "+f"].join("\n");
    const rows = sideBySide(diff);
    expect(rows.map((r) => r.kind)).toEqual(["hunk", "same", "changed", "removed", "same", "added", "added"]);
    expect(rows[3]).toEqual({ kind: "removed", left: { n: 3, text: "c" }, right: null });
    expect(rows[5]).toEqual({ kind: "added", left: null, right: { n: 4, text: "e" } });
    expect(rows[6]).toEqual({ kind: "added", left: null, right: { n: 5, text: "f" } });
  });

  it("starts a new pairing when removals follow additions, keeps empty context lines and notes", () => {
    const diff = ["@@ -1,2 +1,2 @@", "+x", "-y", " ", "\\ diff cut at 2000 of 2400 lines"].join("\n");
    const rows = sideBySide(diff);
    expect(rows.slice(1)).toEqual([
      { kind: "added", left: null, right: { n: 1, text: "x" } },
      { kind: "removed", left: { n: 1, text: "y" }, right: null },
      { kind: "same", left: { n: 2, text: "" }, right: { n: 2, text: "" } },
      { kind: "note", text: "diff cut at 2000 of 2400 lines" },
    ]);
  });

  it("restarts the numbering at each hunk", () => {
    const diff = ["@@ -1 +1 @@", "-a", "+b", "@@ -40,2 +40,2 @@", " p", "-q", "+r"].join("\n");
    const rows = sideBySide(diff);
    expect(rows[3]).toEqual({ kind: "same", left: { n: 40, text: "p" }, right: { n: 40, text: "p" } });
    expect(rows[4]).toEqual({ kind: "changed", left: { n: 41, text: "q" }, right: { n: 41, text: "r" } });
  });

  it("reads an empty diff as no rows", () => {
    expect(sideBySide("")).toEqual([]);
  });
});

describe("inline change of a line", () => {
  it("finds the common start and end around what differs", () => {
    expect(inlineChange("Mon-Fri 9-17 h", "Mon-Fri 9-18 h")).toEqual({ prefix: "Mon-Fri 9-1", removed: "7", added: "8", suffix: " h" });
  });

  it("never lets the start and the end overlap", () => {
    expect(inlineChange("aa", "aaa")).toEqual({ prefix: "aa", removed: "", added: "a", suffix: "" });
  });
});
