import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { useState } from "react";
import { afterEach, describe, expect, it } from "vitest";
import { buildSchema, draftFromSchema, type SchemaDraft } from "../lib/schema";
import { SchemaEditor } from "./SchemaEditor";

let latest: SchemaDraft | null = null;

function Harness({ initial }: { initial: SchemaDraft }) {
  const [draft, setDraft] = useState(initial);
  latest = draft;
  return <SchemaEditor value={draft} onChange={setDraft} />;
}

const output = () => JSON.parse(screen.getByTestId("schema-output").textContent ?? "null");

afterEach(() => {
  cleanup();
  latest = null;
});

describe("SchemaEditor", () => {
  it("turns simple rows into the simple form", () => {
    render(<Harness initial={{ mode: "simple", fields: [{ name: "", type: "string", list: false }] }} />);
    fireEvent.change(screen.getByLabelText("Field 1 name"), { target: { value: "title" } });
    fireEvent.click(screen.getByText("+ Add field"));
    fireEvent.change(screen.getByLabelText("Field 2 name"), { target: { value: "price" } });
    fireEvent.change(screen.getByLabelText("Field 2 type"), { target: { value: "number" } });
    fireEvent.click(screen.getByText("+ Add field"));
    fireEvent.change(screen.getByLabelText("Field 3 name"), { target: { value: "tags" } });
    fireEvent.click(screen.getAllByRole("checkbox")[2]!);
    expect(output()).toEqual({ title: "string", price: "number", tags: "list[string]" });
    expect(buildSchema(latest!)).toEqual(output());
  });

  it("turns selector rows with nested fields into the selector form", () => {
    render(<Harness initial={{ mode: "simple", fields: [{ name: "", type: "string", list: false }] }} />);
    fireEvent.click(screen.getByLabelText("Selectors"));
    fireEvent.change(screen.getByLabelText("Field 1 name"), { target: { value: "title" } });
    fireEvent.change(screen.getByLabelText("Field 1 selector"), { target: { value: "h1" } });
    fireEvent.click(screen.getByText("+ Add field"));
    fireEvent.change(screen.getByLabelText("Field 2 name"), { target: { value: "items" } });
    fireEvent.change(screen.getByLabelText("Field 2 selector"), { target: { value: "li" } });
    const manyBoxes = screen.getAllByLabelText("many");
    fireEvent.click(manyBoxes[1]!);
    const nestedButtons = screen.getAllByText("+ nested fields");
    fireEvent.click(nestedButtons[1]!);
    fireEvent.change(screen.getByLabelText("Field 2.1 name"), { target: { value: "url" } });
    fireEvent.change(screen.getByLabelText("Field 2.1 selector"), { target: { value: "a" } });
    fireEvent.change(screen.getByLabelText("Field 2.1 attribute"), { target: { value: "href" } });
    fireEvent.change(screen.getByLabelText("Field 2.1 type"), { target: { value: "url" } });
    expect(output()).toEqual({
      title: { selector: "h1" },
      items: { selector: "li", many: true, fields: { url: { selector: "a", attr: "href", type: "url" } } },
    });
  });

  it("loads a ready example into the form that shows it", () => {
    render(<Harness initial={draftFromSchema({})} />);
    const select = screen.getByLabelText("Load an example schema");
    const option = screen.getByRole("option", { name: "List of links (selectors, many)" }) as HTMLOptionElement;
    act(() => {
      fireEvent.change(select, { target: { value: option.value } });
    });
    expect(latest?.mode).toBe("selectors");
    expect(output()).toEqual({
      items: { selector: "li", many: true, fields: { name: { selector: "a" }, url: { selector: "a", attr: "href", type: "url" } } },
    });
  });

  it("shows what is wrong instead of an output", () => {
    render(<Harness initial={{ mode: "json", text: "{oops" }} />);
    expect(screen.getByRole("alert").textContent).toMatch(/not valid JSON/);
  });
});
