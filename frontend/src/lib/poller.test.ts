import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay, createPoller } from "./poller";

type Status = "queued" | "running" | "completed" | "failed";

/** A job list whose statuses change with each load, like the API's answers over time. */
function answers(...sequence: Status[][]) {
  let index = 0;
  const load = vi.fn(async () => {
    const statuses = sequence[Math.min(index, sequence.length - 1)] ?? [];
    index += 1;
    return statuses;
  });
  return load;
}

const unfinished = (statuses: Status[]) => statuses.some((s) => s === "queued" || s === "running");

/** A load that answers only when the test says so, to play a slow API. */
function deferredLoads() {
  const pending: Array<{ resolve: (v: Status[]) => void; reject: (e: unknown) => void }> = [];
  const load = vi.fn(
    () =>
      new Promise<Status[]>((resolve, reject) => {
        pending.push({ resolve, reject });
      }),
  );
  return { load, pending };
}

describe("poller", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("polls every 2 seconds while a job is unfinished and stops once all are finished", async () => {
    const load = answers(["queued", "completed"], ["running", "completed"], ["completed", "completed"]);
    const seen: Status[][] = [];
    const poller = createPoller({ load, onData: (d) => seen.push(d), keepPolling: unfinished });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);

    await vi.advanceTimersByTimeAsync(1999);
    expect(load).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).toHaveBeenCalledTimes(3);

    await vi.advanceTimersByTimeAsync(60000);
    expect(load).toHaveBeenCalledTimes(3);
    expect(poller.state).toBe("idle");
    expect(seen.at(-1)).toEqual(["completed", "completed"]);
  });

  it("does not poll at all when the first answer has only finished jobs", async () => {
    const load = answers(["completed", "failed"]);
    const poller = createPoller({ load, onData: () => {}, keepPolling: unfinished });
    poller.start();
    await vi.advanceTimersByTimeAsync(20000);
    expect(load).toHaveBeenCalledTimes(1);
    expect(poller.state).toBe("idle");
  });

  it("never starts a load while the previous one is still in flight", async () => {
    const { load, pending } = deferredLoads();
    const poller = createPoller({ load, onData: () => {}, keepPolling: unfinished });
    poller.start();
    // The API is slow: ten intervals pass and refreshes are asked for, yet only one request is out.
    await vi.advanceTimersByTimeAsync(20000);
    poller.refresh();
    poller.refresh();
    expect(load).toHaveBeenCalledTimes(1);

    // When it answers, the refresh asked for meanwhile runs once, right after it.
    pending[0]!.resolve(["running"]);
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(20000);
    expect(load).toHaveBeenCalledTimes(2);

    // The next one is scheduled 2 s after the previous answer, not after the previous start.
    pending[1]!.resolve(["running"]);
    await vi.advanceTimersByTimeAsync(1999);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(load).toHaveBeenCalledTimes(3);
    poller.stop();
  });

  it("backs off on errors, doubling the wait up to a cap, and returns to 2 s after a success", async () => {
    let calls = 0;
    const load = vi.fn(async (): Promise<Status[]> => {
      calls += 1;
      if (calls <= 5) throw new Error("API unreachable");
      return ["running"];
    });
    const failures: number[] = [];
    const poller = createPoller({
      load,
      onData: () => {},
      onError: (_e, n) => failures.push(n),
      keepPolling: unfinished,
      maxBackoffMs: 20000,
    });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(1);

    const expectedWaits = [4000, 8000, 16000, 20000, 20000];
    for (const [i, wait] of expectedWaits.entries()) {
      await vi.advanceTimersByTimeAsync(wait - 1);
      expect(load).toHaveBeenCalledTimes(i + 1);
      await vi.advanceTimersByTimeAsync(1);
      expect(load).toHaveBeenCalledTimes(i + 2);
    }
    expect(failures).toEqual([1, 2, 3, 4, 5]);

    // The sixth load succeeded: back to the normal interval.
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).toHaveBeenCalledTimes(7);
    poller.stop();
  });

  it("keeps retrying after errors even though no answer said a job is unfinished", async () => {
    const load = vi.fn(async (): Promise<Status[]> => {
      throw new Error("500");
    });
    const poller = createPoller({ load, onData: () => {}, keepPolling: unfinished });
    poller.start();
    await vi.advanceTimersByTimeAsync(4000);
    expect(load).toHaveBeenCalledTimes(2);
    expect(poller.state).toBe("waiting");
    poller.stop();
  });

  it("stop aborts the load in flight, drops its answer and schedules nothing", async () => {
    const { load, pending } = deferredLoads();
    const onData = vi.fn();
    const poller = createPoller({ load, onData, keepPolling: unfinished });
    poller.start();
    await vi.advanceTimersByTimeAsync(0);
    const signal = load.mock.calls.length ? (load.mock.calls[0] as unknown[])[0] : undefined;
    poller.stop();
    expect((signal as AbortSignal).aborted).toBe(true);
    pending[0]!.resolve(["running"]);
    await vi.advanceTimersByTimeAsync(30000);
    expect(onData).not.toHaveBeenCalled();
    expect(load).toHaveBeenCalledTimes(1);
    expect(poller.state).toBe("stopped");
  });

  it("refresh wakes an idle poller, e.g. after a finished job is retried", async () => {
    const load = answers(["failed"], ["queued"], ["completed"]);
    const poller = createPoller({ load, onData: () => {}, keepPolling: unfinished });
    poller.start();
    await vi.advanceTimersByTimeAsync(10000);
    expect(load).toHaveBeenCalledTimes(1);
    poller.refresh();
    await vi.advanceTimersByTimeAsync(0);
    expect(load).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(2000);
    expect(load).toHaveBeenCalledTimes(3);
    await vi.advanceTimersByTimeAsync(10000);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("computes the backoff as doubling multiples of the interval with a cap", () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(2000, n, 30000))).toEqual([4000, 8000, 16000, 30000, 30000]);
  });
});
