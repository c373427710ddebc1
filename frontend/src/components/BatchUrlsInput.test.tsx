import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { batchUrls, defaultScrapeForm, type BatchForm } from "../lib/scrapeForm";
import { BatchUrlsInput } from "./BatchUrlsInput";

let latest: BatchForm = defaultScrapeForm().batch;

function Harness() {
  const [batch, setBatch] = useState<BatchForm>(defaultScrapeForm().batch);
  latest = batch;
  return <BatchUrlsInput value={batch} onChange={setBatch} />;
}

afterEach(cleanup);

describe("BatchUrlsInput", () => {
  it("counts pasted URLs and names the lines that are not URLs", () => {
    render(<Harness />);
    const text = screen.getByLabelText("URLs, one a line");
    fireEvent.change(text, { target: { value: "https://a.example/1\nhttps://a.example/2\n" } });
    expect(screen.getByTestId("batch-count").textContent).toBe("2 URLs: a record per URL, in this order.");
    fireEvent.change(text, { target: { value: "https://a.example/1\nwww.a.example/2" } });
    expect(screen.getByTestId("batch-count").textContent).toBe('1 entry is not an http(s) URL: Line 2: "www.a.example/2".');
    expect(text.getAttribute("aria-invalid")).toBe("true");
  });

  it("reads an uploaded CSV file, guesses its URL column and lets the user pick another", async () => {
    render(<Harness />);
    fireEvent.click(screen.getByLabelText("Upload a CSV file"));
    const csv = 'name,shop page,backup\n"Mug, blue",https://a.example/mug,https://b.example/1\nLamp,https://a.example/lamp,\n';
    fireEvent.change(screen.getByLabelText("CSV file"), { target: { files: [new File([csv], "products.csv", { type: "text/csv" })] } });
    const column = await waitFor(() => screen.getByLabelText("Column holding the URLs") as HTMLSelectElement);
    expect(Array.from(column.options).map((o) => o.text)).toEqual(["name", "shop page", "backup"]);
    expect(column.value).toBe("1");
    expect(batchUrls(latest).urls).toEqual(["https://a.example/mug", "https://a.example/lamp"]);
    expect(screen.getByText("products.csv: 2 rows")).toBeTruthy();

    fireEvent.change(column, { target: { value: "0" } });
    expect(screen.getByTestId("batch-count").textContent).toBe('2 entries are not an http(s) URL: Row 2: "Mug, blue"; Row 3: "Lamp".');
    fireEvent.change(column, { target: { value: "2" } });
    expect(screen.getByTestId("batch-count").textContent).toBe("1 URL: a record per URL, in this order.");
  });
});
