/**
 * The New-session form and the `POST /api/sessions` body it becomes: a login (a page and the
 * actions that log in), or an uploaded Playwright storage state or cookie file, with an optional check.
 */

import type { SessionIn } from "../api/types";
import { OUTPUT_ACTIONS, buildActions, type ActionDraft } from "./actions";
import { isHttpUrl } from "./batchUrls";
import { FormError } from "./scrapeForm";

export type SessionKind = "login" | "storage_state" | "cookies";
// The API's name rule (backend_fastapi/schemas/common.py), checked first to say it in words.
const NAME = /^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$/;

export interface SessionDraft {
  name: string;
  kind: SessionKind;
  loginUrl: string;
  actions: ActionDraft[];
  checkUrl: string;
  checkSelector: string;
  checkStrategy: "static" | "dynamic";
  /** An uploaded file's name and text (storage state JSON, cookies JSON or cookies.txt). */
  fileName: string;
  fileText: string;
}

export function emptySessionDraft(): SessionDraft {
  return { name: "", kind: "login", loginUrl: "", actions: [], checkUrl: "", checkSelector: "", checkStrategy: "static", fileName: "", fileText: "" };
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FormError(`The ${what} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A Playwright storage state file (`{"cookies": [...], "origins": [...]}`) as the API takes it. */
export function storageStateFrom(text: string): NonNullable<SessionIn["storage_state"]> {
  const state = parseJson(text, "storage state file");
  if (!isObject(state) || (!Array.isArray(state.cookies) && !Array.isArray(state.origins))) {
    throw new FormError('The storage state file must be an object with "cookies" and "origins" lists, as Playwright saves it.');
  }
  return state as NonNullable<SessionIn["storage_state"]>;
}

/** A cookie file: a JSON list of cookie objects (or a storage state's cookies), else a Netscape cookies.txt as text. */
export function cookiesFrom(text: string): NonNullable<SessionIn["cookies"]> {
  const trimmed = text.trim();
  if (!trimmed) throw new FormError("The cookie file is empty.");
  if (!trimmed.startsWith("[") && !trimmed.startsWith("{")) return text;
  const parsed = parseJson(trimmed, "cookie file");
  const list = Array.isArray(parsed) ? parsed : isObject(parsed) && Array.isArray(parsed.cookies) ? parsed.cookies : null;
  if (!list) throw new FormError('The cookie file must be a list of cookies, an object with a "cookies" list, or a cookies.txt.');
  return list as Exclude<SessionIn["cookies"], string | null | undefined>;
}

/** The request body; throws FormError (or ActionError) for what cannot be sent. */
export function buildSessionRequest(draft: SessionDraft): SessionIn {
  const name = draft.name.trim();
  if (!NAME.test(name)) throw new FormError("Name: letters, digits, spaces and . _ : - (starting with a letter or digit), at most 200 characters.");
  const body: SessionIn = { name };
  if (draft.kind === "login") {
    const url = draft.loginUrl.trim();
    if (!isHttpUrl(url)) throw new FormError("Login page: give the http(s) URL of the login form.");
    if (draft.actions.length === 0) throw new FormError("Login: add the actions that log in (write the user name and password, then click or press Enter).");
    const output = draft.actions.findIndex((a) => OUTPUT_ACTIONS.has(a.type));
    if (output >= 0) throw new FormError(`Action ${output + 1} (${draft.actions[output]!.type}): a login makes no records or files; remove it.`);
    body.login = { url, actions: buildActions(draft.actions) };
  } else if (!draft.fileText) {
    throw new FormError(draft.kind === "storage_state" ? "Upload a storage state file (JSON)." : "Upload a cookie file (JSON or cookies.txt).");
  } else if (draft.kind === "storage_state") body.storage_state = storageStateFrom(draft.fileText);
  else body.cookies = cookiesFrom(draft.fileText);
  const checkUrl = draft.checkUrl.trim();
  const checkSelector = draft.checkSelector.trim();
  if (checkUrl || checkSelector) {
    if (!isHttpUrl(checkUrl) || !checkSelector) throw new FormError("Check: give both the http(s) URL of a page only a logged-in user sees and a selector it shows.");
    body.check = { url: checkUrl, selector: checkSelector };
    if (draft.checkStrategy !== "static") body.check.strategy = draft.checkStrategy;
  }
  return body;
}
