import { describe, expect, it } from "vitest";
import { buildScrapeRequest, defaultScrapeForm, formFromRequest, previewRequest } from "./scrapeForm";

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
});
