import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { TextDiff } from "./TextDiff";

afterEach(cleanup);

describe("TextDiff", () => {
  it("shows the old line left and the new right, marking only the part that differs", () => {
    render(<TextDiff label="Text diff" diff={["--- before", "+++ after", "@@ -1,2 +1,2 @@", " Opening hours", "-Mon-Fri 9-17", "+Mon-Fri 9-18"].join("\n")} />);
    const table = screen.getByRole("table", { name: "Text diff" });
    const rows = table.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(3);
    const changed = rows[2]!;
    expect(changed.className).toBe("diff-changed");
    expect(changed.querySelector(".diff-left.diff-text")!.textContent).toBe("Mon-Fri 9-17");
    expect(changed.querySelector("del")!.textContent).toBe("7");
    expect(changed.querySelector("ins")!.textContent).toBe("8");
  });

  it("leaves the left side empty for an added line", () => {
    render(<TextDiff label="Text diff" diff={["@@ -1 +1,2 @@", " a", "+b"].join("\n")} />);
    const added = screen.getByRole("table").querySelectorAll("tbody tr")[2]!;
    expect(added.querySelector(".diff-empty")).not.toBeNull();
    expect(added.querySelector(".diff-right.diff-text")!.textContent).toBe("b");
  });

  it("says so when no line differs", () => {
    render(<TextDiff label="Text diff" diff="" />);
    expect(screen.getByText(/No line differs/)).toBeTruthy();
  });
});
