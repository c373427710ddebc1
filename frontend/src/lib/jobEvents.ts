/**
 * Live job events: `GET /api/jobs/{id}/events` (server-sent events) read with `fetch` and a stream
 * reader, since `EventSource` cannot send the `Authorization` header. The job page uses each event
 * as a cue to load the job now instead of waiting for its next 2 s poll; polling stays the contract
 * and takes over whenever the stream cannot be opened, breaks, or is closed by the server.
 */

import { getApiKey } from "../api/auth";

export interface StreamEvent {
  id: string | null;
  event: string;
  data: string;
}

/** A parser of `text/event-stream` text: feed it chunks as they come, it calls `onEvent` per event. */
export function createEventParser(onEvent: (event: StreamEvent) => void): (chunk: string) => void {
  let buffer = "";
  let id: string | null = null;
  let name = "message";
  let data: string[] = [];
  return (chunk) => {
    buffer += chunk;
    const lines = buffer.split(/\r\n|\r|\n/);
    // The last piece may be a line cut in two by the network: kept for the next chunk.
    buffer = lines.pop() ?? "";
    for (const line of lines) {
      if (line === "") {
        if (data.length > 0) onEvent({ id, event: name, data: data.join("\n") });
        id = null;
        name = "message";
        data = [];
        continue;
      }
      if (line.startsWith(":")) continue; // a comment: the server's `: ping`
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "data") data.push(value);
      else if (field === "event") name = value;
      else if (field === "id") id = value;
    }
  };
}

export interface FollowOptions {
  /** Every event of the job (`status`, `progress`, `finished`, `deleted`). */
  onEvent: (event: StreamEvent) => void;
  /** The stream could not be opened, or ended before the job was final: poll instead. */
  onFail: (reason: unknown) => void;
  fetchImpl?: typeof fetch;
  baseUrl?: string;
}

/** Follow one job's events until it is final; returns a function that stops following. */
export function followJob(jobId: string, options: FollowOptions): () => void {
  const controller = new AbortController();
  const base = options.baseUrl ?? globalThis.location?.origin ?? "";
  const doFetch = options.fetchImpl ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  let final = false;

  async function read(): Promise<void> {
    const headers: Record<string, string> = { Accept: "text/event-stream" };
    const key = getApiKey();
    if (key) headers.Authorization = `Bearer ${key}`;
    const response = await doFetch(`${base}/api/jobs/${encodeURIComponent(jobId)}/events`, { headers, signal: controller.signal });
    if (response.status === 204) {
      final = true; // nothing more will come for this job
      return;
    }
    if (!response.ok || !response.body) throw new Error(`The event stream answered ${response.status}.`);
    const parse = createEventParser((event) => {
      if (event.event === "finished" || event.event === "deleted") final = true;
      options.onEvent(event);
    });
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parse(decoder.decode(value, { stream: true }));
    }
  }

  read().then(
    () => {
      if (!controller.signal.aborted && !final) options.onFail(new Error("The event stream ended before the job did."));
    },
    (error: unknown) => {
      if (!controller.signal.aborted) options.onFail(error);
    },
  );
  return () => controller.abort();
}
