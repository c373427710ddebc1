import { cleanup, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { describeSource, FieldSources } from "./FieldSources";

afterEach(cleanup);

describe("FieldSources", () => {
  it("shows each value beside where it was found", () => {
    render(
      <FieldSources
        data={{ title: "Blue Mug", price: 9.99, brand: null }}
        sources={{ title: "h1", price: "jsonld:offers.price" }}
        missing={["brand"]}
      />,
    );
    const table = screen.getByRole("table", { name: "Fields and where they were found" });
    const price = within(table).getByRole("row", { name: /price/ });
    expect(price.textContent).toContain("9.99");
    expect(screen.getByTestId("source-price").textContent).toBe("JSON-LD offers.price");
    expect(screen.getByTestId("source-price").getAttribute("title")).toBe("jsonld:offers.price");
    expect(screen.getByTestId("source-title").textContent).toBe("main heading (h1)");
    expect(within(table).getByRole("row", { name: /brand/ }).textContent).toContain("not found");
  });

  it("renders nothing for a page without fields", () => {
    const { container } = render(<FieldSources data={{}} sources={null} />);
    expect(container.innerHTML).toBe("");
  });

  it("reads every kind of source", () => {
    expect(describeSource("label:Price")).toBe("label Price");
    expect(describeSource("meta:og:title")).toBe("meta tag og:title");
    expect(describeSource("css:.product .price")).toBe("selector .product .price");
    expect(describeSource("xpath://h1")).toBe("XPath //h1");
    expect(describeSource("default")).toBe("default");
    expect(describeSource(undefined)).toBe("");
  });
});
