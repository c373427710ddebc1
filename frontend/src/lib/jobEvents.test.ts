import { afterEach, describe, expect, it, vi } from "vitest";
import { createEventParser, followJob, type StreamEvent } from "./jobEvents";

/** A response whose body the test writes chunk by chunk, like a server sending events over time. */
function streamedResponse(status = 200) {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({ start: (c) => (controller = c) });
  const encoder = new TextEncoder();
  return {
    response: new Response(body, { status, headers: { "Content-Type": "text/event-stream" } }),
    send: (text: string) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

afterEach(() => {
  localStorage.clear();
  vi.restoreAllMocks();
});

describe("The event stream parser", () => {
  it("splits events across chunk boundaries and skips pings and retry hints", () => {
    const events: StreamEvent[] = [];
    const parse = createEventParser((e) => events.push(e));
    parse("retry: 3000\n\n: ping\n\nid: 1:j1\nevent: sta");
    parse('tus\ndata: {"status":"queued"}\n');
    expect(events).toEqual([]);
    parse('\nid: 2:j1\r\nevent: finished\r\ndata: {"status":"completed"}\r\n\r\n');
    expect(events).toEqual([
      { id: "1:j1", event: "status", data: '{"status":"queued"}' },
      { id: "2:j1", event: "finished", data: '{"status":"completed"}' },
    ]);
  });
});

describe("Following a job", () => {
  it("sends the saved key, passes on each event and ends quietly after `finished`", async () => {
    localStorage.setItem("dataops.apiKey", "sekret");
    const stream = streamedResponse();
    const fetchImpl = vi.fn(async () => stream.response);
    const events: string[] = [];
    const onFail = vi.fn();
    followJob("j 1", { onEvent: (e) => events.push(e.event), onFail, fetchImpl, baseUrl: "http://api" });

    stream.send('id: 1:j\nevent: status\ndata: {"status":"running"}\n\n');
    await vi.waitFor(() => expect(events).toEqual(["status"]));
    stream.send('id: 2:j\nevent: finished\ndata: {"status":"completed"}\n\n');
    stream.close();
    await vi.waitFor(() => expect(events).toEqual(["status", "finished"]));
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(onFail).not.toHaveBeenCalled();
    const [url, init] = fetchImpl.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe("http://api/api/jobs/j%201/events");
    expect((init.headers as Record<string, string>).Authorization).toBe("Bearer sekret");
  });

  it("falls back when the stream is refused (503 beyond the cap) or ends before the job", async () => {
    const refused = vi.fn();
    followJob("j1", {
      onEvent: () => {},
      onFail: refused,
      fetchImpl: async () => new Response('{"error":{"code":"too_many_streams"}}', { status: 503 }),
    });
    await vi.waitFor(() => expect(refused).toHaveBeenCalledTimes(1));

    const idle = streamedResponse();
    const ended = vi.fn();
    followJob("j1", { onEvent: () => {}, onFail: ended, fetchImpl: async () => idle.response });
    idle.send(": ping\n\n");
    idle.close(); // the server closed an idle stream: the page polls again
    await vi.waitFor(() => expect(ended).toHaveBeenCalledTimes(1));
  });

  it("says nothing once stopped", async () => {
    const stream = streamedResponse();
    const onFail = vi.fn();
    const stop = followJob("j1", { onEvent: () => {}, onFail, fetchImpl: async (_input, init) => {
      init?.signal?.addEventListener("abort", () => stream.close());
      return stream.response;
    } });
    stop();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(onFail).not.toHaveBeenCalled();
  });
});
