/**
 * "Check now": queue a monitor's check, then poll its job every 2 s (as the job pages do) and, once
 * the job has finished, the monitor, until the worker's comparison shows as the monitor's last check.
 */

import { useEffect, useRef, useState } from "react";
import { checkMonitor, getJob, getMonitor } from "../api/endpoints";
import type { Job, Monitor } from "../api/types";
import { isUnfinished } from "./jobs";
import { createPoller, type Poller } from "./poller";

/** Polls of the monitor after the job finished before the comparison counts as late (2 s each). */
const COMPARE_POLLS = 60;

export interface CheckRun {
  monitorRef: string;
  jobId: string;
  job: Job | null;
  /** The monitor once its last check is this job's comparison. */
  done: Monitor | null;
  /** The job finished but no comparison showed up in time. */
  late: boolean;
}

export function useMonitorCheck(onDone: (monitor: Monitor) => void) {
  const [run, setRun] = useState<CheckRun | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [starting, setStarting] = useState<string | null>(null);
  const poller = useRef<Poller | null>(null);
  const latest = useRef(onDone);
  latest.current = onDone;

  useEffect(() => () => poller.current?.stop(), []);

  async function start(monitorRef: string) {
    poller.current?.stop();
    setError(null);
    setStarting(monitorRef);
    let jobId: string;
    try {
      jobId = (await checkMonitor(monitorRef)).job_id;
    } catch (e) {
      setError(e);
      setStarting(null);
      return;
    }
    setStarting(null);
    let state: CheckRun = { monitorRef, jobId, job: null, done: null, late: false };
    setRun(state);
    let afterFinish = 0;
    const instance = createPoller<CheckRun>({
      load: async (signal) => {
        let job = state.job;
        if (!job || isUnfinished(job)) job = (await getJob(jobId, null, signal))?.body ?? job;
        let done: Monitor | null = null;
        if (job && !isUnfinished(job)) {
          afterFinish += 1;
          const monitor = await getMonitor(monitorRef, signal);
          if (monitor.last_check?.job_id === jobId) done = monitor;
        }
        return { ...state, job, done, late: !done && afterFinish >= COMPARE_POLLS };
      },
      onData: (next) => {
        state = next;
        setRun(next);
        if (next.done) latest.current(next.done);
      },
      onError: setError,
      keepPolling: (next) => !next.done && !next.late,
    });
    poller.current = instance;
    instance.start();
  }

  return { run, error, starting, start };
}
