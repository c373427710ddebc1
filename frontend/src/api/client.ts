/**
 * The one client of the DataOps API (same origin): openapi-fetch over the types generated from the
 * OpenAPI document (`src/client/schema.d.ts`, `make client`), with the API key and the one error shape.
 */

import createClient from "openapi-fetch";
import type { components, paths } from "../client/schema";
import { askForApiKey, getApiKey } from "./auth";

/** One failing field of a 422, as the API names it. */
export type FieldProblem = Pick<components["schemas"]["FieldError"], "field" | "message">;

type ErrorBody = components["schemas"]["ErrorBody"];

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

const MAX_KEY_PROMPTS = 3;

function isErrorBody(body: unknown): body is ErrorBody {
  const error = (body as Partial<ErrorBody> | null)?.error;
  return typeof error === "object" && error !== null && typeof error.message === "string";
}

/** The ApiError for a failed answer; `body` is what openapi-fetch parsed (JSON, or the text). */
function errorFrom(response: Response, body: unknown): ApiError {
  if (isErrorBody(body)) return new ApiError(response.status, body.error.code || "error", body.error.message, body.error.details ?? null);
  // Not the API's shape (a proxy's error page): fall back to the status line.
  const message = `The API answered ${response.status} ${response.statusText}`.trim() + ".";
  return new ApiError(response.status, "http_error", message);
}

/**
 * fetch() with the saved API key; on 401 asks for a key and sends the request again. Answers with a
 * status other than 401 come back as they are (the callers below decide what is an error).
 */
async function fetchWithKey(request: Request): Promise<Response> {
  for (let prompts = 0; ; prompts++) {
    const key = getApiKey();
    // A copy per attempt: a body can be sent only once, and a 401 sends it again.
    const attempt = new Request(request.clone());
    if (key) attempt.headers.set("Authorization", `Bearer ${key}`);
    let response: Response;
    try {
      response = await fetch(attempt);
    } catch (error) {
      if (request.signal.aborted) throw error;
      throw new ApiError(0, "network_error", "Cannot reach the DataOps API. Is it running?");
    }
    if (response.status !== 401 || prompts >= MAX_KEY_PROMPTS) return response;
    // Another request may have saved a new key meanwhile: try that before asking.
    if (getApiKey() !== key) continue;
    const entered = await askForApiKey(key !== null);
    if (entered === null) return response;
  }
}

/** Every call of the frontend goes through this client: paths, parameters and bodies are typed. */
export const client = createClient<paths, "application/json">({
  baseUrl: globalThis.location?.origin ?? "",
  fetch: fetchWithKey,
  headers: { Accept: "application/json" },
  // Pollers must see the job as it is now, never a cached copy.
  cache: "no-store",
});

interface Answer<D, E> {
  data?: D;
  error?: E;
  response: Response;
}

/** The body of a successful answer (undefined for 204); anything else is thrown as an ApiError. */
export async function ok<D, E>(pending: Promise<Answer<D, E>>): Promise<D> {
  const { data, error, response } = await pending;
  if (!response.ok) throw errorFrom(response, error);
  return data as D;
}

/** A GET sent with `If-None-Match: etag`: `null` while the resource is unchanged (304). */
export async function ifChanged<D, E>(pending: Promise<Answer<D, E>>): Promise<{ body: D; etag: string | null } | null> {
  const { data, error, response } = await pending;
  if (response.status === 304) return null;
  if (!response.ok) throw errorFrom(response, error);
  return { body: data as D, etag: response.headers.get("ETag") };
}

/** The headers of a conditional GET. */
export function etagHeaders(etag: string | null): Record<string, string> {
  return etag ? { "If-None-Match": etag } : {};
}

function filenameOf(response: Response, fallback: string): string {
  const header = response.headers.get("Content-Disposition") ?? "";
  const star = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (star?.[1]) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(header);
  return plain?.[1] ?? fallback;
}

/**
 * Save a file the API sends (fetched through the client, so the API key goes along) as a download
 * of the browser; `pending` is a client call made with `parseAs: "blob"`.
 */
export async function saveDownload(pending: Promise<Answer<Blob, unknown>>, fallbackName: string): Promise<string> {
  const { data: blob, error, response } = await pending;
  if (!response.ok || !blob) throw errorFrom(response, error);
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
