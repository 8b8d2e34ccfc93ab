// Computed checklist fields and conditions as the form evaluates them while the nurse types.
import { describe, expect, it } from "vitest";

import type { Condition, Formula, Instrument } from "../ipc";
import { evaluate, holds, type Facts } from "../lib/formula";

const latch: Formula = { type: "sum", fields: ["l", "a", "t", "c", "h"] };
const weight: Formula = { type: "percent_change_from_birth_weight", field: "w" };
const epds: Instrument = { id: "epds", items: 10, options: 4, reversed: [3, 5, 6, 7, 8, 9, 10], self_harm_item: 10, texts: "licensed" };

function facts(values: Record<string, string>, birthWeightG: number | null = null, dayOfLife: number | null = 4): Facts {
  return { value: (f) => values[f], birthWeightG, dayOfLife, birthMode: "vaginal", visitNumber: 1, instruments: [epds] };
}

describe("computed fields", () => {
  it.each([
    [latch, { l: "2", a: "1", t: "2", c: "1", h: "2" }, null, 8],
    [latch, { l: "2", a: "1", t: "2", c: "1" }, null, null],
    [weight, { w: "2790" }, 3000, -7],
    [weight, { w: "3 150" }, 3000, null],
    [weight, { w: "3150,0" }, 3000, 5],
    [weight, {}, 3000, null],
    [weight, { w: "3000" }, null, null],
  ] as const)("%o with %o and birth weight %s gives %s", (formula, values, birthWeight, expected) => {
    expect(evaluate(formula, facts(values as Record<string, string>, birthWeight))).toBe(expected);
  });

  it("count the day of life, cap it, and score reversed screening items", () => {
    expect(evaluate({ type: "day_of_life" }, facts({}))).toBe(4);
    expect(evaluate({ type: "at_most", field: "day_of_life", max: 6 }, facts({}, null, 9))).toBe(6);
    const firstOptions = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`epds_${i + 1}`, "0"]));
    expect(evaluate({ type: "instrument_total", instrument: "epds" }, facts(firstOptions))).toBe(21);
    expect(evaluate({ type: "item_score", instrument: "epds", item: 10 }, facts(firstOptions))).toBe(3);
    expect(evaluate({ type: "item_score", instrument: "epds", item: 1 }, facts(firstOptions))).toBe(0);
    const { epds_7: _, ...missing } = firstOptions;
    expect(evaluate({ type: "instrument_total", instrument: "epds" }, facts(missing))).toBeNull();
  });
});

describe("conditions", () => {
  it.each([
    [{ field: "ua_done", is: ["yes"] }, { ua_done: "yes" }, true],
    [{ field: "ua_done", is: ["yes"] }, { ua_done: "no" }, false],
    [{ field: "ua_done", is: ["yes"] }, {}, false],
    [{ field: "sites", is: ["abdomen"] }, { sites: "back,abdomen" }, true],
    [{ field: "birth_mode", is: ["caesarean"] }, {}, false],
    [{ field: "pain", op: "ge", value: 1 }, { pain: "0" }, false],
    [{ field: "pain", op: "ge", value: 1 }, { pain: "3" }, true],
    [{ field: "day_of_life", op: "ge", value: 28 }, {}, false],
    [{ all: [{ field: "a", is: ["yes"] }, { field: "b", is: ["yes"] }] }, { a: "yes" }, false],
    [{ any: [{ field: "a", is: ["yes"] }, { field: "b", is: ["yes"] }] }, { a: "yes" }, true],
  ] as [Condition, Record<string, string>, boolean][])("%o with %o is %s", (condition, values, expected) => {
    expect(holds(condition, facts(values))).toBe(expected);
  });
});
