import { describe, expect, it } from "vitest";
import { emptyAction } from "./actions";
import { parseCsv } from "./batchUrls";
import { FormError, STATIC_ACTIONS, buildBatchRequest, buildScrapeRequest, defaultScrapeForm, formFromRequest, previewBatchRequest, previewRequest } from "./scrapeForm";

describe("new scrape request", () => {
  it("sends only what the user set: url, strategy and schema by default", () => {
    const form = { ...defaultScrapeForm(), url: " https://shop.example/p/1 " };
    expect(buildScrapeRequest(form)).toEqual({ url: "https://shop.example/p/1", strategy: "static", schema: { title: "string" } });
  });

  it("adds crawl options, extra formats and fetch options when set", () => {
    const form = defaultScrapeForm();
    form.url = "https://shop.example/";
    form.strategy = "auto";
    form.formats = ["markdown"];
    form.crawl = { ...form.crawl, enabled: true, follow: "a.product", nextPage: "a[rel=next]", maxPages: "50", include: "/p/\n", exclude: "" };
    form.respectRobots = false;
    form.waitFor = ".price";
    expect(buildScrapeRequest(form)).toEqual({
      url: "https://shop.example/",
      strategy: "auto",
      schema: { title: "string" },
      formats: ["data", "markdown"],
      crawl: { same_domain: true, follow: "a.product", next_page: "a[rel=next]", max_pages: 50, max_depth: 3, include: ["/p/"] },
      options: { respect_robots: false, wait_for: ".price" },
    });
  });

  it("keeps a preview small: named preview, a crawl capped at three pages", () => {
    expect(previewRequest({ url: "u", strategy: "static", crawl: { max_pages: 500 } })).toEqual({ url: "u", strategy: "static", name: "preview", crawl: { max_pages: 3 } });
  });

  it("fills the form back from a job's request so that it sends the same request again", () => {
    const request = {
      url: "https://shop.example/",
      strategy: "static",
      schema: { items: { selector: "li", many: true, fields: { name: { selector: "a" } } } },
      crawl: { follow: "a.p", max_pages: 10, max_depth: 2, same_domain: true, include: [], exclude: [] },
    };
    const again = buildScrapeRequest(formFromRequest(request, "nightly"));
    expect(again).toEqual({
      url: "https://shop.example/",
      strategy: "static",
      name: "nightly",
      schema: request.schema,
      crawl: { same_domain: true, follow: "a.p", max_pages: 10, max_depth: 2 },
    });
  });

  it("sends the actions in their order, and refuses them with the static strategy before sending", () => {
    const form = { ...defaultScrapeForm(), url: "https://shop.example/" };
    form.actions = [{ ...emptyAction("click"), selector: "button.more", repeat: "5" }, emptyAction("scrape")];
    expect(() => buildScrapeRequest(form)).toThrow(new FormError(STATIC_ACTIONS));
    form.strategy = "dynamic";
    expect(buildScrapeRequest(form).actions).toEqual([{ type: "click", selector: "button.more", repeat: 5 }, { type: "scrape" }]);
  });

  it("keeps the actions and the session when a job is edited again", () => {
    const request = { url: "https://shop.example/", strategy: "dynamic", schema: { title: "string" }, session: "shop-login", actions: [{ type: "scroll", until: "end" }] };
    expect(buildScrapeRequest(formFromRequest(request, null))).toEqual(request);
  });
});

describe("batch request", () => {
  const batchForm = (text: string) => {
    const form = defaultScrapeForm();
    form.mode = "batch";
    form.batch = { ...form.batch, text };
    return form;
  };

  it("sends the pasted URLs with the same schema, strategy, options and actions as a page", () => {
    const form = batchForm("https://shop.example/p/1\n\nhttps://shop.example/p/2\n");
    form.strategy = "auto";
    form.delayMs = "250";
    form.actions = [{ ...emptyAction("click"), selector: "#accept", optional: true }];
    form.crawl = { ...form.crawl, enabled: true };
    form.session = "shop-login";
    expect(buildBatchRequest(form)).toEqual({
      urls: ["https://shop.example/p/1", "https://shop.example/p/2"],
      strategy: "auto",
      schema: { title: "string" },
      session: "shop-login",
      options: { delay_ms: 250 },
      actions: [{ type: "click", selector: "#accept", optional: true }],
    });
  });

  it("takes the URLs of the chosen CSV column", () => {
    const form = batchForm("");
    form.batch = { source: "csv", text: "", csv: { fileName: "shops.csv", rows: parseCsv("name,url\nMug,https://a.example/\n"), header: true, column: 1 } };
    expect(buildBatchRequest(form).urls).toEqual(["https://a.example/"]);
    form.batch = { ...form.batch, csv: null };
    expect(() => buildBatchRequest(form)).toThrow("Upload a CSV file and choose its URL column.");
  });

  it("refuses invalid lines and captures with a message that says what to change", () => {
    expect(() => buildBatchRequest(batchForm("https://a.example/\nnot a url"))).toThrow('1 entry is not an http(s) URL: Line 2: "not a url".');
    const form = batchForm("https://a.example/");
    form.strategy = "dynamic";
    form.actions = [emptyAction("scrape"), { ...emptyAction("screenshot"), fullPage: true }];
    expect(() => buildBatchRequest(form)).toThrow(/^Action 2 \(screenshot\): screenshots and PDFs are files of a single page/);
  });

  it("previews the first three URLs, and a batch job opens the form in batch mode with its URLs", () => {
    expect(previewBatchRequest({ urls: ["a", "b", "c", "d"], strategy: "static" })).toEqual({ urls: ["a", "b", "c"], strategy: "static", name: "preview" });
    const request = { url: "https://a.example/", urls: ["https://a.example/", "https://b.example/"], strategy: "static", schema: { title: "string" } };
    const form = formFromRequest(request, "nightly");
    expect(form.mode).toBe("batch");
    expect(buildBatchRequest(form)).toEqual({ urls: request.urls, strategy: "static", schema: { title: "string" }, name: "nightly" });
  });
});
