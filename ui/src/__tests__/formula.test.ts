// Computed checklist fields and conditions as the form evaluates them while the nurse types.
import { readFileSync } from "node:fs";
import { join } from "node:path";
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

// The cases the core runs too (crates/lohusa-core/tests/evaluation.rs): the form and the saved
// visit must agree. Values are as stored; the form reads them as typed text.
interface SharedCases {
  instruments: Instrument[];
  formulas: { name: string; formula: Formula; values: Record<string, unknown>; birth_weight_g: number | null; day_of_life: number; expected: number | null }[];
  conditions: { name: string; condition: Condition; values: Record<string, unknown>; day_of_life: number; birth_mode: string; visit_number: number; expected: boolean }[];
}
const shared = JSON.parse(readFileSync(join(process.cwd(), "../crates/lohusa-core/data/evaluation-cases.json"), "utf8")) as SharedCases;

function typed(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

function sharedFacts(values: Record<string, unknown>, birthWeightG: number | null, dayOfLife: number, birthMode: string, visitNumber: number): Facts {
  return { value: (f) => typed(values[f]), birthWeightG, dayOfLife, birthMode, visitNumber, instruments: shared.instruments };
}

describe("the cases shared with the core", () => {
  it.each(shared.formulas.map((c) => [c.name, c] as const))("formula: %s", (_, c) => {
    const got = evaluate(c.formula, sharedFacts(c.values, c.birth_weight_g, c.day_of_life, "vaginal", 1));
    if (c.expected === null) expect(got).toBeNull();
    else expect(Math.abs((got ?? Number.NaN) - c.expected)).toBeLessThan(0.05);
  });

  it.each(shared.conditions.map((c) => [c.name, c] as const))("condition: %s", (_, c) => {
    expect(holds(c.condition, sharedFacts(c.values, null, c.day_of_life, c.birth_mode, c.visit_number))).toBe(c.expected);
  });
});
