import { describe, expect, it } from "vitest";
import { MAX_BATCH_URLS, csvTable, guessUrlColumn, parseCsv, urlListError, urlsFromColumn, urlsFromLines } from "./batchUrls";

describe("pasted URLs", () => {
  it("takes one URL a line, skips blank lines and numbers the lines that are not URLs", () => {
    const list = urlsFromLines("https://a.example/1\r\n\n  http://b.example/2  \nb.example/3\nftp://c.example/\nhttps://\n");
    expect(list.urls).toEqual(["https://a.example/1", "http://b.example/2"]);
    expect(list.problems).toEqual([
      { where: "Line 4", text: "b.example/3" },
      { where: "Line 5", text: "ftp://c.example/" },
      { where: "Line 6", text: "https://" },
    ]);
    expect(urlListError(list)).toBe('3 entries are not an http(s) URL: Line 4: "b.example/3"; Line 5: "ftp://c.example/"; Line 6: "https://".');
  });

  it("lists the first five problems and counts the rest", () => {
    const text = Array.from({ length: 8 }, (_, i) => `page ${i + 1}`).join("\n");
    expect(urlListError(urlsFromLines(text))).toMatch(/Line 5: "page 5", and 3 more\.$/);
  });

  it("refuses an empty list and more than 10,000 URLs, and accepts 10,000", () => {
    expect(urlListError(urlsFromLines("\n \n"))).toBe("Give at least one URL.");
    const urls = (n: number) => Array.from({ length: n }, (_, i) => `https://shop.example/p/${i}`).join("\n");
    expect(urlListError(urlsFromLines(urls(MAX_BATCH_URLS)))).toBeNull();
    expect(urlListError(urlsFromLines(urls(MAX_BATCH_URLS + 1)))).toBe("A batch takes at most 10,000 URLs; this one has 10,001: split it.");
  });
});

describe("CSV files", () => {
  it("reads quoted fields holding delimiters, doubled quotes and newlines, with CRLF and a BOM", () => {
    const text = '\ufeffname,url,note\r\n"Mug, blue",https://shop.example/p/1,"said ""hi"""\r\nLamp,https://shop.example/p/2,"two\nlines"\r\n\r\n';
    expect(parseCsv(text)).toEqual([
      ["name", "url", "note"],
      ["Mug, blue", "https://shop.example/p/1", 'said "hi"'],
      ["Lamp", "https://shop.example/p/2", "two\nlines"],
    ]);
  });

  it("finds the delimiter of the first line: semicolons and tabs too", () => {
    expect(parseCsv("a;b\n1;2")).toEqual([["a", "b"], ["1", "2"]]);
    expect(parseCsv("a\tb\n1\t2")).toEqual([["a", "b"], ["1", "2"]]);
    expect(parseCsv('"x;y",z\n1,2')).toEqual([["x;y", "z"], ["1", "2"]]);
  });

  it("takes the first row as the header unless it holds a URL, and guesses the URL column", () => {
    const named = csvTable(parseCsv("id,Link,homepage\n1,https://a.example/,https://x.example/\n2,https://b.example/,"));
    expect(named.header).toBe(true);
    expect(named.columns).toEqual(["id", "Link", "homepage"]);
    expect(guessUrlColumn(named)).toBe(1);

    const bare = csvTable(parseCsv("7,https://a.example/\n8,https://b.example/"));
    expect(bare.header).toBe(false);
    expect(bare.columns).toEqual(["Column 1", "Column 2"]);
    expect(guessUrlColumn(bare)).toBe(1);
    expect(urlsFromColumn(bare, 1).urls).toEqual(["https://a.example/", "https://b.example/"]);

    const unnamed = csvTable(parseCsv("sku,where\n1,https://a.example/"));
    expect(guessUrlColumn(unnamed)).toBe(1);
  });

  it("numbers the rows of a column's bad cells as the file does and skips empty cells", () => {
    const table = csvTable(parseCsv("name,url\nMug,https://a.example/\nLamp,\nDesk,not a url"));
    const list = urlsFromColumn(table, 1);
    expect(list.urls).toEqual(["https://a.example/"]);
    expect(list.problems).toEqual([{ where: "Row 4", text: "not a url" }]);
  });
});
