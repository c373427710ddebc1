import { describe, expect, it } from "vitest";
import { layoutChart, linearScale, niceStep, timeTicks, valueDomain } from "./chart";

const BOX = { width: 600, height: 300, top: 10, right: 20, bottom: 30, left: 50 };

describe("chart scaling", () => {
  it("maps a domain linearly onto a range, upside down for the value axis", () => {
    const y = linearScale([0, 100], [270, 10]);
    expect(y(0)).toBe(270);
    expect(y(100)).toBe(10);
    expect(y(50)).toBe(140);
  });

  it("picks round steps of 1, 2 or 5 times a power of ten", () => {
    expect(niceStep(0, 97, 5)).toBe(20);
    expect(niceStep(17.5, 19.9, 5)).toBe(0.5);
    expect(niceStep(0, 12000, 4)).toBe(2000);
    expect(niceStep(0, 16000, 4)).toBe(5000);
  });

  it("widens the value domain to round ticks that cover every value", () => {
    expect(valueDomain([17.5, 19.9, 120, 45])).toEqual({ domain: [0, 120], ticks: [0, 20, 40, 60, 80, 100, 120] });
    expect(valueDomain([0.1, 0.3]).ticks).toEqual([0.1, 0.15, 0.2, 0.25, 0.3]);
  });

  it("gives a flat series room above and below", () => {
    const { domain, ticks } = valueDomain([10, 10]);
    expect(domain[0]).toBeLessThan(10);
    expect(domain[1]).toBeGreaterThan(10);
    expect(ticks).toContain(10);
  });

  it("puts time ticks on whole minutes", () => {
    const t0 = Date.UTC(2026, 11, 3, 22, 0, 10);
    const ticks = timeTicks(t0, t0 + 10 * 60_000, 5);
    expect(ticks[0]).toBe(Date.UTC(2026, 11, 3, 22, 2));
    expect(ticks.every((t) => t % 120_000 === 0)).toBe(true);
  });

  it("draws steps: a value holds until the next one and until the end; a removal ends the line", () => {
    const t = Date.UTC(2026, 0, 1);
    const chart = layoutChart(
      [
        { label: "Lamp", points: [{ t, value: 20 }, { t: t + 1000, value: 10 }] },
        { label: "Chair", points: [{ t, value: 40 }, { t: t + 1000, value: null }] },
      ],
      BOX,
      t + 2000,
    );
    expect(chart.plot).toEqual({ x0: 50, x1: 580, y0: 270, y1: 10 });
    // Values 10..40 on ticks 10..40 (step 5): 20 sits at two thirds down, 10 at the bottom.
    const [lamp, chair] = chart.lines;
    expect(lamp!.path).toBe("M50 183.3 H315 V270 H580");
    expect(lamp!.marks.map((m) => m.value)).toEqual([20, 10]);
    expect(chair!.path).toBe("M50 10 H315");
    expect(chart.yTicks[0]).toMatchObject({ value: 10, at: 270 });
    expect(chart.yTicks[chart.yTicks.length - 1]).toMatchObject({ value: 40, at: 10 });
  });

  it("draws a single check in the middle of the width", () => {
    const chart = layoutChart([{ label: "Desk", points: [{ t: 5, value: 120 }] }], BOX);
    expect(chart.lines[0]!.marks[0]!.x).toBe(315);
    expect(chart.xTicks).toHaveLength(1);
  });
});
