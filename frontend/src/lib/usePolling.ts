/** React binding of the poller: state for the latest answer and error, restarted when `deps` change. */

import { useEffect, useRef, useState, type DependencyList } from "react";
import { createPoller, type Poller, type PollerOptions } from "./poller";

export interface Polled<T> {
  data: T | null;
  error: unknown;
  /** Consecutive failed loads (the poller is backing off while > 0). */
  failures: number;
  loading: boolean;
  /** Load again now, e.g. after an action changed something. */
  refresh: () => void;
}

export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  keepPolling: (data: T) => boolean,
  deps: DependencyList,
  options: Pick<PollerOptions<T>, "intervalMs" | "maxBackoffMs"> = {},
): Polled<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [failures, setFailures] = useState(0);
  const [loading, setLoading] = useState(true);
  const poller = useRef<Poller | null>(null);
  // The latest callbacks, so a re-render with new closures does not restart the poller.
  const latest = useRef({ load, keepPolling });
  latest.current = { load, keepPolling };

  useEffect(() => {
    setData(null);
    setLoading(true);
    const instance = createPoller<T>({
      load: (signal) => latest.current.load(signal),
      keepPolling: (d) => latest.current.keepPolling(d),
      onData: (d) => {
        setData(d);
        setError(null);
        setFailures(0);
        setLoading(false);
      },
      onError: (e, n) => {
        setError(e);
        setFailures(n);
        setLoading(false);
      },
      intervalMs: options.intervalMs,
      maxBackoffMs: options.maxBackoffMs,
    });
    poller.current = instance;
    instance.start();
    return () => instance.stop();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);

  return { data, error, failures, loading, refresh: () => poller.current?.refresh() };
}
