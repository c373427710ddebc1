/** Where a "Check now" stands: the job queued or running, then the comparison's outcome. */

import type { CheckRun } from "../lib/useMonitorCheck";
import { Link } from "../lib/router";
import { Notice, StatusBadge } from "./common";

export function CheckProgress({ run, name }: { run: CheckRun; name?: string }) {
  const job = <Link to={`/jobs/${run.jobId}`}>job {run.jobId.slice(0, 8)}</Link>;
  const who = name ? `“${name}”` : "the page";
  if (run.done?.last_check) {
    return (
      <Notice kind="ok">
        <span data-testid="check-outcome">
          Check of {who} done: <StatusBadge status={run.done.last_check.status} /> ({job}).
        </span>
      </Notice>
    );
  }
  if (run.late) {
    return (
      <Notice kind="warn">
        The check's {job} ended {run.job?.status}, but its comparison has not shown up yet: is a worker running?
      </Notice>
    );
  }
  const status = run.job?.status ?? "queued";
  return (
    <Notice>
      <span aria-live="polite" data-testid="check-running">
        Checking {who}: {job} is <StatusBadge status={status} />
        {run.job && !["queued", "running"].includes(status) ? ", comparing with the last snapshot…" : "…"}
      </span>
    </Notice>
  );
}
