/** API and worker health from `/health`, with the warnings a user must not miss. */

import { getHealth } from "../api/endpoints";
import type { Health } from "../api/types";
import { healthWarnings } from "../lib/health";
import { usePolling } from "../lib/usePolling";

// Health changes slowly; the jobs screens poll every 2 s on their own.
const HEALTH_INTERVAL_MS = 5000;

export function StatusBar() {
  const { data, error } = usePolling<Health>(getHealth, () => true, [], { intervalMs: HEALTH_INTERVAL_MS });
  const warnings = data ? healthWarnings(data) : [];
  const apiDown = Boolean(error);
  const up = data?.status === "ok" ? data : null;
  const workers = up?.workers;
  const queue = up?.queue;

  return (
    <div className="statusbar-wrap">
      <div className="statusbar" aria-label="Service status">
        <span className={`dot ${apiDown ? "dot-bad" : data ? "dot-ok" : "dot-unknown"}`} aria-hidden="true" />
        <span data-testid="api-health">
          {apiDown ? "API unreachable" : data ? `API ${data.status === "ok" ? "ok" : data.status}` : "API …"}
          {data && !apiDown && <span className="muted"> v{data.version} · {data.database.dialect}</span>}
        </span>
        {workers && !apiDown && (
          <span data-testid="worker-health">
            {/* Red too when a live worker cannot run a kind of job it is configured for (as `dataops health --worker`). */}
            <span className={`dot ${workers.alive > 0 && !up?.problems.length ? "dot-ok" : "dot-bad"}`} aria-hidden="true" />
            {workers.alive === 0
              ? "no worker"
              : `${workers.alive} worker${workers.alive === 1 ? "" : "s"} (${workers.slots} slots)`}
          </span>
        )}
        {queue && !apiDown && (
          <span className="muted" data-testid="queue-health">
            {queue.queued} queued · {queue.running} running
          </span>
        )}
      </div>
      {apiDown && (
        <div className="alert alert-warn banner" role="alert">
          The DataOps API is not answering; retrying with growing pauses.
        </div>
      )}
      {!apiDown &&
        warnings.map((w) => (
          <div key={w} className="alert alert-warn banner" role="alert" data-testid="health-warning">
            {w}
            {w.startsWith("Jobs will stay queued") && (
              <span className="muted"> Start one with <code>dataops worker</code> (or <code>dataops up</code>).</span>
            )}
          </div>
        ))}
    </div>
  );
}
