/** Calls to the DataOps API (same origin): JSON in and out, the error shape, the API key. */

import { askForApiKey, getApiKey } from "./auth";

export interface FieldProblem {
  field: string;
  message: string;
}

/** An error answer of the API (`{"error": {"code", "message", "details"}}`), or no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** The per-field problems of a 422, when the API named them. */
  get fieldProblems(): FieldProblem[] {
    if (!Array.isArray(this.details)) return [];
    return this.details
      .filter((d): d is FieldProblem => typeof d === "object" && d !== null && "message" in d)
      .map((d) => ({ field: String(d.field ?? ""), message: String(d.message) }));
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  method?: string;
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

const MAX_KEY_PROMPTS = 3;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

async function errorFrom(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON (a proxy's error page): fall back to the status line.
  }
  const error = (body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  if (error?.message) return new ApiError(response.status, error.code ?? "error", error.message, error.details ?? null);
  const detail = (body as { detail?: unknown } | null)?.detail;
  const message = typeof detail === "string" ? detail : `The API answered ${response.status} ${response.statusText}.`.trim();
  return new ApiError(response.status, "http_error", message);
}

/**
 * fetch() with the saved API key; on 401 asks for a key and tries again. Answers with a status
 * other than 401 come back as they are (callers decide what is an error).
 */
export async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
  let body: BodyInit | undefined;
  if (options.body instanceof FormData) {
    // The browser writes the multipart boundary into Content-Type itself.
    body = options.body;
  } else if (options.body !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(options.body);
  }
  const url = withQuery(path, options.query);
  for (let prompts = 0; ; prompts++) {
    const key = getApiKey();
    const auth: Record<string, string> = key ? { Authorization: `Bearer ${key}` } : {};
    let response: Response;
    try {
      response = await fetch(url, {
        method: options.method ?? "GET",
        headers: { ...headers, ...auth },
        body,
        signal: options.signal,
        cache: "no-store",
      });
    } catch (error) {
      if (options.signal?.aborted) throw error;
      throw new ApiError(0, "network_error", "Cannot reach the DataOps API. Is it running?");
    }
    if (response.status !== 401 || prompts >= MAX_KEY_PROMPTS) return response;
    // Another request may have saved a new key meanwhile: try that before asking.
    if (getApiKey() !== key) continue;
    const entered = await askForApiKey(key !== null);
    if (entered === null) return response;
  }
}

/** A JSON call; resolves with the body (undefined for 204), rejects with ApiError. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options);
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

/** GET with an ETag: `null` when the resource is unchanged since `etag` (304). */
export async function getIfChanged<T>(
  path: string,
  etag: string | null,
  signal?: AbortSignal,
): Promise<{ body: T; etag: string | null } | null> {
  const response = await send(path, { headers: etag ? { "If-None-Match": etag } : {}, signal });
  if (response.status === 304) return null;
  if (!response.ok) throw await errorFrom(response);
  return { body: (await response.json()) as T, etag: response.headers.get("ETag") };
}

function filenameOf(response: Response, fallback: string): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain?.[1] ?? fallback;
}

/**
 * Download a file through fetch (so the API key goes along) and hand it to the browser as a save.
 */
export async function download(path: string, fallbackName: string): Promise<string> {
  const response = await send(path, { headers: { Accept: "*/*" } });
  if (!response.ok) throw await errorFrom(response);
  const blob = await response.blob();
  const name = filenameOf(response, fallbackName);
  const href = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = href;
  link.download = name;
  link.style.display = "none";
  document.body.append(link);
  link.click();
  link.remove();
  // Revoking at once can cancel the save in some browsers.
  setTimeout(() => URL.revokeObjectURL(href), 60000);
  return name;
}

/** A readable message for anything a call can throw. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
