import { describe, expect, it } from "vitest";
import type { HealthUp } from "../api/types";
import { healthWarnings, NO_WORKER, scriptActionsAllowed } from "./health";

function health(overrides: Partial<HealthUp> & { queued?: number } = {}): HealthUp {
  const { queued = 0, ...rest } = overrides;
  return {
    status: "ok",
    version: "0.1.0",
    database: { status: "ok", dialect: "sqlite" },
    workers: { alive: 1, slots: 2, running: 0 },
    capabilities: {},
    problems: [],
    queue: { queued, running: 0, completed: 0, failed: 0, cancelled: 0 },
    limits: { max_queued_jobs: 10000 },
    features: { script_actions: false },
    ...rest,
  };
}

describe("health warnings", () => {
  it("says nothing while a worker is alive and the queue is short", () => {
    expect(healthWarnings(health({ queued: 5 }))).toEqual([]);
  });

  it("warns that jobs stay queued when no worker is alive", () => {
    expect(healthWarnings(health({ workers: { alive: 0, slots: 0, running: 0 } }))).toEqual([NO_WORKER]);
  });

  it("warns when the queue holds more than ten jobs per worker slot", () => {
    expect(healthWarnings(health({ queued: 21 }))[0]).toBe("The queue is backing up: 21 jobs waiting for 2 worker slots.");
  });

  it("warns before the queue limit refuses new jobs, and when it does", () => {
    expect(healthWarnings(health({ queued: 80, limits: { max_queued_jobs: 100 } }))[0]).toMatch(/refused at 100/);
    expect(healthWarnings(health({ queued: 100, limits: { max_queued_jobs: 100 } }))[0]).toMatch(/queue is full/);
  });

  it("shows what the workers cannot run, worded by the API", () => {
    const problem = "browser unavailable: Chromium could not be started (/opt/chrome): it exited with code 1";
    expect(healthWarnings(health({ problems: [problem] }))).toEqual([problem]);
    expect(healthWarnings(health({ problems: [problem], workers: { alive: 0, slots: 0, running: 0 } }))).toEqual([NO_WORKER]);
  });

  it("says only that the database is down when /health answers 503", () => {
    const down = { status: "error", version: "0.1.0", database: { status: "error", dialect: "sqlite", error: "OperationalError" } } as const;
    expect(healthWarnings(down)).toEqual(["The database is not answering: jobs cannot be created or read."]);
  });
});

describe("script actions", () => {
  it("are allowed only when the API says so", () => {
    expect(scriptActionsAllowed(health({ features: { script_actions: true } }))).toBe(true);
    expect(scriptActionsAllowed(health())).toBe(false);
    expect(scriptActionsAllowed({ status: "error", version: "0.1.0", database: { status: "error", dialect: "sqlite", error: "OSError" } })).toBe(false);
    expect(scriptActionsAllowed(null)).toBe(false);
  });
});
