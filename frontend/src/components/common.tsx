/** Small pieces every screen uses: status badges, error boxes, empty and loading states. */

import type { ReactNode } from "react";
import { ApiError } from "../api/client";

export function StatusBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {status}
    </span>
  );
}

/** An API error with its message, its code, and for a 422 the fields at fault. */
export function ErrorMessage({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const apiError = error instanceof ApiError ? error : null;
  const message = error instanceof Error ? error.message : String(error);
  const problems = apiError?.fieldProblems ?? [];
  return (
    <div className="alert alert-error" role="alert">
      {title && <strong>{title}: </strong>}
      <span>{message}</span>
      {apiError && apiError.code !== "http_error" && apiError.status > 0 && (
        <code className="error-code"> {apiError.code}</code>
      )}
      {problems.length > 1 && (
        <ul className="field-problems">
          {problems.map((p, i) => (
            <li key={i}>
              {p.field && <code>{p.field.replace(/^body\./, "")}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

export function JsonBlock({ value, label = "Raw JSON" }: { value: unknown; label?: string }) {
  return (
    <details className="json">
      <summary>{label}</summary>
      <pre>{JSON.stringify(value, null, 2)}</pre>
    </details>
  );
}

export function Notice({ kind = "info", children }: { kind?: "info" | "warn" | "ok"; children: ReactNode }) {
  return (
    <div className={`alert alert-${kind}`} role={kind === "warn" ? "alert" : "status"}>
      {children}
    </div>
  );
}

/** A table that scrolls sideways on narrow screens and turns into cards on a phone: the column
 * names also label each cell there (`data-label`). `actions` adds an unlabelled last column. */
export function CardTable({
  columns,
  testId,
  className,
  actions = false,
  children,
}: {
  columns: string[];
  testId: string;
  className?: string;
  actions?: boolean;
  children: ReactNode;
}) {
  return (
    <div className="table-scroll">
      <table className={className ? `${className} cards-on-phone` : "cards-on-phone"} data-testid={testId}>
        <thead>
          <tr>
            {columns.map((column) => (
              <th scope="col" key={column}>
                {column}
              </th>
            ))}
            {actions && (
              <th scope="col">
                <span className="sr-only">Actions</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}
