/**
 * The polling contract between the browser and the asynchronous API, free of any UI framework:
 * load now, then every `intervalMs` while the answer still has something unfinished in it; never two
 * loads at once; after a failure wait longer each time (doubling, capped), then go back to the interval.
 */

export const POLL_INTERVAL_MS = 2000;
export const MAX_BACKOFF_MS = 30000;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PollerOptions<T> {
  /** Fetch the current state; the signal is aborted when the poller stops. */
  load: (signal: AbortSignal) => Promise<T>;
  /** Every successful answer, in order. */
  onData: (data: T) => void;
  /** A failed load; `failures` counts consecutive failures (1, 2, ...). */
  onError?: (error: unknown, failures: number) => void;
  /** Whether this answer still needs watching (e.g. a visible job is queued or running). */
  keepPolling: (data: T) => boolean;
  intervalMs?: number;
  maxBackoffMs?: number;
  timers?: Timers;
}

export type PollerState = "idle" | "loading" | "waiting" | "stopped";

export interface Poller {
  /** Load now, then keep polling while `keepPolling` says so. */
  start(): void;
  /** Load again as soon as possible (after the load in flight, never beside it); wakes an idle poller. */
  refresh(): void;
  /** Stop for good: cancel the timer and abort the load in flight (its answer is dropped). */
  stop(): void;
  readonly state: PollerState;
}

// Looked up at call time so that test clocks installed later are used.
const globalTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** Delay before the next load after `failures` consecutive failures: 2x, 4x, 8x ... the interval, capped. */
export function backoffDelay(intervalMs: number, failures: number, maxBackoffMs: number): number {
  return Math.min(intervalMs * 2 ** failures, maxBackoffMs);
}

/** A poller for `options.load`; call `start()` to begin. */
export function createPoller<T>(options: PollerOptions<T>): Poller {
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  const maxBackoff = options.maxBackoffMs ?? MAX_BACKOFF_MS;
  const timers = options.timers ?? globalTimers;
  let state: PollerState = "idle";
  let timer: unknown = null;
  let controller: AbortController | null = null;
  let failures = 0;
  let loadAgain = false;

  function clearTimer(): void {
    if (timer !== null) {
      timers.clearTimeout(timer);
      timer = null;
    }
  }

  function schedule(ms: number): void {
    state = "waiting";
    timer = timers.setTimeout(() => {
      timer = null;
      void tick();
    }, ms);
  }

  async function tick(): Promise<void> {
    if (state === "stopped") return;
    state = "loading";
    loadAgain = false;
    const mine = new AbortController();
    controller = mine;
    let next: number | null;
    try {
      const data = await options.load(mine.signal);
      if (mine.signal.aborted) return;
      failures = 0;
      options.onData(data);
      next = options.keepPolling(data) ? interval : null;
    } catch (error) {
      if (mine.signal.aborted) return;
      failures += 1;
      options.onError?.(error, failures);
      next = backoffDelay(interval, failures, maxBackoff);
    } finally {
      if (controller === mine) controller = null;
    }
    // onData may have stopped the poller (a screen closing on the answer it got).
    if ((state as PollerState) === "stopped") return;
    if (loadAgain) {
      void tick();
    } else if (next === null) {
      state = "idle";
    } else {
      schedule(next);
    }
  }

  return {
    start() {
      if (state === "idle") void tick();
    },
    refresh() {
      if (state === "stopped") return;
      if (state === "loading") {
        loadAgain = true;
        return;
      }
      clearTimer();
      void tick();
    },
    stop() {
      state = "stopped";
      clearTimer();
      controller?.abort();
      controller = null;
    },
    get state() {
      return state;
    },
  };
}
