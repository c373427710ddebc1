import { describe, expect, it } from "vitest";
import { emptyAction } from "./actions";
import { buildSessionRequest, emptySessionDraft, type SessionDraft } from "./sessionForm";

const draft = (patch: Partial<SessionDraft>): SessionDraft => ({ ...emptySessionDraft(), name: "shop", ...patch });

describe("new session request", () => {
  it("sends a login's page and actions, and a check when both its fields are given", () => {
    const actions = [
      { ...emptyAction("write"), selector: "#user", text: "ada" },
      { ...emptyAction("write"), selector: "#password", text: "secret" },
      { ...emptyAction("press"), key: "Enter" },
    ];
    expect(buildSessionRequest(draft({ loginUrl: " https://shop.example/login ", actions, checkUrl: "https://shop.example/account", checkSelector: ".account-name" }))).toEqual({
      name: "shop",
      login: {
        url: "https://shop.example/login",
        actions: [
          { type: "write", selector: "#user", text: "ada" },
          { type: "write", selector: "#password", text: "secret" },
          { type: "press", key: "Enter" },
        ],
      },
      check: { url: "https://shop.example/account", selector: ".account-name" },
    });
  });

  it("refuses a login without actions, with an output action, a half check or a bad name", () => {
    const login = { loginUrl: "https://shop.example/login", actions: [{ ...emptyAction("click"), selector: "button" }] };
    expect(() => buildSessionRequest(draft({ loginUrl: "https://shop.example/login" }))).toThrow(/add the actions that log in/);
    expect(() => buildSessionRequest(draft({ ...login, actions: [...login.actions, emptyAction("scrape")] }))).toThrow("Action 2 (scrape): a login makes no records or files; remove it.");
    expect(() => buildSessionRequest(draft({ ...login, checkSelector: ".me" }))).toThrow(/^Check: give both/);
    expect(() => buildSessionRequest(draft({ ...login, name: "-shop" }))).toThrow(/^Name:/);
    expect(() => buildSessionRequest(draft({ ...login, loginUrl: "shop.example/login" }))).toThrow(/^Login page/);
  });

  it("sends an uploaded storage state as it is, and refuses a file that is not one", () => {
    const state = { cookies: [{ name: "sid", value: "1", domain: "shop.example", path: "/" }], origins: [] };
    expect(buildSessionRequest(draft({ kind: "storage_state", fileName: "state.json", fileText: JSON.stringify(state) }))).toEqual({ name: "shop", storage_state: state });
    expect(() => buildSessionRequest(draft({ kind: "storage_state", fileText: "[1]" }))).toThrow(/"cookies" and "origins" lists/);
    expect(() => buildSessionRequest(draft({ kind: "storage_state", fileText: "{oops" }))).toThrow(/^The storage state file is not JSON/);
    expect(() => buildSessionRequest(draft({ kind: "storage_state" }))).toThrow("Upload a storage state file (JSON).");
  });

  it("sends cookies as a JSON list (also a storage state's) or as cookies.txt text", () => {
    const cookies = [{ name: "sid", value: "1", domain: ".shop.example" }];
    expect(buildSessionRequest(draft({ kind: "cookies", fileText: JSON.stringify(cookies) })).cookies).toEqual(cookies);
    expect(buildSessionRequest(draft({ kind: "cookies", fileText: JSON.stringify({ cookies, origins: [] }) })).cookies).toEqual(cookies);
    const txt = "# Netscape HTTP Cookie File\n.shop.example\tTRUE\t/\tFALSE\t0\tsid\t1\n";
    expect(buildSessionRequest(draft({ kind: "cookies", fileText: txt })).cookies).toBe(txt);
  });
});
