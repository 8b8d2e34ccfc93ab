// Computed checklist fields as the form shows them while the nurse types.
import { describe, expect, it } from "vitest";

import type { Formula } from "../ipc";
import { evaluate } from "../lib/formula";

const latch: Formula = { type: "sum", fields: ["l", "a", "t", "c", "h"] };
const weight: Formula = { type: "percent_change_from_birth_weight", field: "w" };

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
    expect(evaluate(formula, (f) => (values as Record<string, string>)[f], birthWeight)).toBe(expected);
  });
});
