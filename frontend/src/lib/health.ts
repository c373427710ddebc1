/** What the status bar warns about, read from `/health`. */

import type { Health } from "../api/types";

export const NO_WORKER = "Jobs will stay queued: no worker is running.";
/** Queued jobs per worker slot above which the queue counts as backing up. */
export const BACKLOG_PER_SLOT = 10;
/** Share of MAX_QUEUED_JOBS at which new jobs are about to be refused. */
export const NEAR_FULL = 0.8;

/** Warnings to show, most urgent first. */
export function healthWarnings(health: Health): string[] {
  if (health.status !== "ok") return ["The database is not answering: jobs cannot be created or read."];
  const warnings: string[] = [];
  if (health.workers.alive === 0) warnings.push(NO_WORKER);
  // What the live workers cannot run, as the API words it: "browser unavailable: <reason>".
  else warnings.push(...health.problems);
  const queued = health.queue.queued;
  const limit = health.limits.max_queued_jobs;
  if (limit > 0 && queued >= limit) {
    warnings.push(`The queue is full (${queued} of ${limit} jobs): new jobs are refused until it drains.`);
  } else if (limit > 0 && queued >= limit * NEAR_FULL) {
    warnings.push(`The queue is backing up: ${queued} jobs waiting; new jobs will be refused at ${limit}.`);
  } else {
    const slots = health.workers.slots;
    if (slots > 0 && queued > slots * BACKLOG_PER_SLOT) {
      warnings.push(`The queue is backing up: ${queued} jobs waiting for ${slots} worker slot${slots === 1 ? "" : "s"}.`);
    }
  }
  return warnings;
}

/** Whether the API accepts `evaluate` actions (its operator set ALLOW_SCRIPT_ACTIONS); no while it cannot say. */
export function scriptActionsAllowed(health: Health | null | undefined): boolean {
  return health?.status === "ok" && health.features?.script_actions === true;
}
