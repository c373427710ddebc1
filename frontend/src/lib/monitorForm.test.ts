import { describe, expect, it } from "vitest";
import { buildMonitorRequest, conditionValue, defaultMonitorForm, formFromMonitor, inputFor, nameList, problemsByInput } from "./monitorForm";
import { draftFromSchema, SchemaError } from "./schema";

function form() {
  const f = defaultMonitorForm();
  f.name = " prices ";
  f.target = { ...f.target, url: " https://shop.example/ " };
  return f;
}

describe("new monitor request", () => {
  it("sends the session a new monitor's checks log in with", () => {
    const f = form();
    f.target.session = "shop-account";
    expect(buildMonitorRequest(f).target).toEqual({ url: "https://shop.example/", strategy: "static", schema: { title: "string" }, session: "shop-account" });
  });

  it("sends only what the user set: name, target, every", () => {
    expect(buildMonitorRequest(form())).toEqual({
      name: "prices",
      target: { url: "https://shop.example/", strategy: "static", schema: { title: "string" } },
      every: "15m",
    });
  });

  it("sends cron and time zone, key and compare fields, ignore patterns and the removal rules", () => {
    const f = form();
    f.target.schema = draftFromSchema({ items: { selector: "li", many: true, fields: { name: { selector: "a" }, price: { selector: ".p", type: "number" } } } });
    f.timing = "cron";
    f.cron = " 0 6 * * * ";
    f.timezone = "Europe/Berlin";
    f.key = "name, name";
    f.compare = "price,\nstock";
    f.ignore = "\\d+ visitors\n\n Updated .*";
    f.confirmRemovals = false;
    f.minRatio = "0.8";
    f.enabled = false;
    expect(buildMonitorRequest(f)).toEqual({
      name: "prices",
      target: { url: "https://shop.example/", strategy: "static", schema: { items: { selector: "li", many: true, fields: { name: { selector: "a" }, price: { selector: ".p", type: "number" } } } } },
      cron: "0 6 * * *",
      timezone: "Europe/Berlin",
      key: ["name"],
      compare: ["price", "stock"],
      ignore: ["\\d+ visitors", "Updated .*"],
      confirm_removals: false,
      min_ratio: 0.8,
      enabled: false,
    });
  });

  it("watches page text as markdown without a schema, or beside the records", () => {
    const f = form();
    f.watch = ["markdown"];
    expect(buildMonitorRequest(f).target).toEqual({ url: "https://shop.example/", strategy: "static", formats: ["markdown"] });
    f.watch = ["markdown", "data"];
    expect(buildMonitorRequest(f).target).toEqual({ url: "https://shop.example/", strategy: "static", schema: { title: "string" }, formats: ["data", "markdown"] });
  });

  it("types condition values by their op and drops rows without a field", () => {
    const f = form();
    f.conditions = [
      { field: "price", op: "lt", value: "100" },
      { field: "in_stock", op: "eq", value: "true" },
      { field: "title", op: "contains", value: "Sale " },
      { field: "price", op: "decreased", value: "ignored" },
      { field: " ", op: "gt", value: "1" },
    ];
    f.match = "any";
    const body = buildMonitorRequest(f);
    expect(body.conditions).toEqual([
      { field: "price", op: "lt", value: 100 },
      { field: "in_stock", op: "eq", value: true },
      { field: "title", op: "contains", value: "Sale " },
      { field: "price", op: "decreased" },
    ]);
    expect(body.match).toBe("any");
  });

  it("sends notify targets with their events (the default `change` left out) and skips empty rows", () => {
    const f = form();
    f.notify = [
      { url: " https://hooks.example/x ", events: ["change"] },
      { url: "mailto://u:p@smtp.example?to=a@b.c", events: ["change", "failed"] },
      { url: "", events: ["change"] },
    ];
    expect(buildMonitorRequest(f).notify).toEqual([{ url: "https://hooks.example/x" }, { url: "mailto://u:p@smtp.example?to=a@b.c", events: ["change", "failed"] }]);
  });

  it("never names the check: the target's job name stays out", () => {
    const f = form();
    f.target.name = "other";
    expect(buildMonitorRequest(f).target.name).toBeUndefined();
  });

  it("refuses an invalid schema before anything is sent", () => {
    const f = form();
    f.target.schema = { mode: "json", text: "{" };
    expect(() => buildMonitorRequest(f)).toThrow(SchemaError);
  });
});

describe("422 problems by form input", () => {
  it("maps the API's field paths onto the form's inputs", () => {
    expect(inputFor("body.target.url")).toBe("monitor-url");
    expect(inputFor("body.min_ratio")).toBe("monitor-min-ratio");
    expect(inputFor("body.conditions.1.value")).toBe("condition-1");
    expect(inputFor("body.notify.0.url")).toBe("notify-0");
    expect(inputFor("body.target.session")).toBe("monitor-session");
    expect(inputFor("body")).toBeNull();
  });

  it("groups the messages per input without pydantic's prefix", () => {
    expect(
      problemsByInput([
        { field: "body.every", message: "Value error, checks run at most every 10 s" },
        { field: "body", message: "give either 'cron' or 'every'" },
      ]),
    ).toEqual({ "monitor-every": ["checks run at most every 10 s"] });
  });
});

describe("helpers", () => {
  it("reads name lists and condition values", () => {
    expect(nameList(" url , name\nname,")).toEqual(["url", "name"]);
    expect(conditionValue("eq", "12.5")).toBe(12.5);
    expect(conditionValue("eq", "in stock")).toBe("in stock");
    expect(conditionValue("contains", "42")).toBe("42");
  });
});

describe("editing a monitor", () => {
  const monitor = {
    monitor_id: "m1",
    name: "prices",
    target: {
      url: "https://shop.example/",
      strategy: "auto",
      schema: { items: { selector: "li", many: true, fields: { name: { selector: "a" } } } },
      formats: ["data", "markdown"],
      crawl: { follow: "a.next", max_pages: 5 },
      options: { timeout_s: 10, date_order: "DMY" },
      only_main_content: false,
    },
    cron: "0 6 * * *",
    every: null,
    timezone: "Europe/Berlin",
    key: ["name"],
    compare: ["price"],
    ignore: ["\\d+ viewing"],
    conditions: [{ field: "price", op: "lt", value: 100 }, { field: "stock", op: "changed" }],
    match: "any" as const,
    notify: [{ url: "https://hooks.example/x?token=***", kind: "webhook" as const, events: ["change", "suspect"] }],
    confirm_removals: false,
    min_ratio: 0.25,
    enabled: false,
    records: 3,
    last_check: null,
    last_change_at: null,
    next_check_at: null,
    created_at: "2026-12-03T00:00:00Z",
    updated_at: "2026-12-03T00:00:00Z",
  };

  it("sends the monitor back as it was when nothing is changed, the parts the form hides included", () => {
    expect(buildMonitorRequest(formFromMonitor(monitor))).toEqual({
      name: "prices",
      target: monitor.target,
      cron: "0 6 * * *",
      timezone: "Europe/Berlin",
      key: ["name"],
      compare: ["price"],
      ignore: ["\\d+ viewing"],
      conditions: [{ field: "price", op: "lt", value: 100 }, { field: "stock", op: "changed" }],
      match: "any",
      // Redacted as the API showed it: the API keeps the secret it stands for.
      notify: [{ url: "https://hooks.example/x?token=***", events: ["change", "suspect"] }],
      confirm_removals: false,
      min_ratio: 0.25,
      enabled: false,
    });
  });

  it("checks with the session chosen, and without it once the picker is cleared", () => {
    const logged = { ...monitor, target: { ...monitor.target, session: "shop-account" } };
    const form = formFromMonitor(logged);
    expect(form.target.session).toBe("shop-account");
    expect(buildMonitorRequest(form).target.session).toBe("shop-account");
    form.target.session = "news";
    expect(buildMonitorRequest(form).target.session).toBe("news");
    form.target.session = "";
    expect(buildMonitorRequest(form).target).not.toHaveProperty("session");
  });

  it("sends what was edited", () => {
    const form = formFromMonitor(monitor);
    form.target.url = "https://shop.example/new";
    form.watch = ["data"];
    const target = buildMonitorRequest(form).target;
    expect(target.url).toBe("https://shop.example/new");
    expect(target.formats).toBeUndefined();
    expect(target.crawl).toEqual(monitor.target.crawl);
  });
});
