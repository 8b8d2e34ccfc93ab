// Computed checklist fields (LATCH total, weight change), evaluated live as the nurse types.
// The same formulas run in Rust when the visit is read back; the definitions say which.
import type { Formula } from "../ipc";

function parseNumber(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return null;
  const n = Number(raw.trim().replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

/**
 * `value(field)` returns the raw typed value of a field of the same subject; `birthWeightG` is
 * the baby's birth weight when the subject is a baby.
 */
export function evaluate(formula: Formula, value: (field: string) => string | undefined, birthWeightG: number | null): number | null {
  switch (formula.type) {
    case "sum": {
      let total = 0;
      for (const field of formula.fields) {
        const n = parseNumber(value(field));
        if (n === null) return null;
        total += n;
      }
      return total;
    }
    case "percent_change_from_birth_weight": {
      const weight = parseNumber(value(formula.field));
      if (weight === null || !birthWeightG) return null;
      return Math.round(((weight - birthWeightG) / birthWeightG) * 1000) / 10;
    }
  }
}
