/** A text change side by side: the old text on the left, the new on the right, what differs marked. */

import type { ReactNode } from "react";
import { inlineChange, sideBySide, type DiffCell, type DiffRow } from "../lib/textDiff";

function Cell({ cell, side, other }: { cell: DiffCell | null; side: "left" | "right"; other: DiffCell | null }) {
  if (!cell) return <td className="diff-empty" colSpan={2} />;
  let text: ReactNode = cell.text;
  if (other) {
    const parts = inlineChange(side === "left" ? cell.text : other.text, side === "left" ? other.text : cell.text);
    const mid = side === "left" ? parts.removed : parts.added;
    text = (
      <>
        {parts.prefix}
        {mid && side === "left" ? <del>{mid}</del> : mid ? <ins>{mid}</ins> : null}
        {parts.suffix}
      </>
    );
  }
  return (
    <>
      <td className={`diff-n diff-${side}`}>{cell.n}</td>
      <td className={`diff-text diff-${side}`}>{text}</td>
    </>
  );
}

function Row({ row }: { row: DiffRow }) {
  if (row.kind === "hunk" || row.kind === "note") {
    return (
      <tr className={`diff-${row.kind}`}>
        <td colSpan={4}>{row.text}</td>
      </tr>
    );
  }
  const pair = row.kind === "changed";
  return (
    <tr className={`diff-${row.kind}`}>
      <Cell cell={row.left} side="left" other={pair ? row.right : null} />
      <Cell cell={row.right} side="right" other={pair ? row.left : null} />
    </tr>
  );
}

export function TextDiff({ diff, label }: { diff: string; label: string }) {
  const rows = sideBySide(diff);
  if (rows.length === 0) return <p className="muted small">No line differs once the ignore patterns are applied.</p>;
  return (
    <div className="table-scroll diff-scroll">
      <table className="text-diff" aria-label={label} data-testid="text-diff">
        <colgroup>
          <col className="diff-n-col" />
          <col />
          <col className="diff-n-col" />
          <col />
        </colgroup>
        <thead>
          <tr>
            <th scope="colgroup" colSpan={2}>
              Before
            </th>
            <th scope="colgroup" colSpan={2}>
              After
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, i) => (
            <Row row={row} key={i} />
          ))}
        </tbody>
      </table>
    </div>
  );
}
