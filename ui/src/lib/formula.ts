// Computed checklist fields and conditions, evaluated live as the nurse types. The same formulas
// and conditions run in Rust when a visit is saved and read back; the definitions say which.
import type { Condition, Formula, Instrument } from "../ipc";

export function parseNumber(raw: string | undefined): number | null {
  if (raw === undefined || raw.trim() === "") return null;
  const n = Number(raw.trim().replace(",", "."));
  return Number.isFinite(n) ? n : null;
}

/** What formulas and conditions of one subject (the mother or one baby) read. */
export interface Facts {
  /** The raw typed value of a field of the same subject. */
  value: (field: string) => string | undefined;
  /** The baby's birth weight when the subject is a baby. */
  birthWeightG: number | null;
  dayOfLife: number | null;
  birthMode: string | null;
  visitNumber: number;
  instruments: Instrument[];
}

function fact(facts: Facts, field: string): string | undefined {
  switch (field) {
    case "day_of_life":
      return facts.dayOfLife === null ? undefined : String(facts.dayOfLife);
    case "birth_mode":
      return facts.birthMode ?? undefined;
    case "visit_number":
      return String(facts.visitNumber);
    default:
      return undefined;
  }
}

/** A field's raw value, or a fact of the visit with that name. */
function read(facts: Facts, field: string): string | undefined {
  const v = facts.value(field);
  return v === undefined || v.trim() === "" ? fact(facts, field) : v;
}

function score(instrument: Instrument, item: number, position: number): number | null {
  if (item < 1 || item > instrument.items || position < 0 || position >= instrument.options) return null;
  return instrument.reversed.includes(item) ? instrument.options - 1 - position : position;
}

export function evaluate(formula: Formula, facts: Facts): number | null {
  const num = (field: string) => parseNumber(read(facts, field));
  switch (formula.type) {
    case "sum": {
      let total = 0;
      for (const field of formula.fields) {
        const n = num(field);
        if (n === null) return null;
        total += n;
      }
      return total;
    }
    case "percent_change_from_birth_weight": {
      const weight = num(formula.field);
      if (weight === null || !facts.birthWeightG) return null;
      return Math.round(((weight - facts.birthWeightG) / facts.birthWeightG) * 1000) / 10;
    }
    case "day_of_life":
      return facts.dayOfLife;
    case "at_most": {
      const n = num(formula.field);
      return n === null ? null : Math.min(n, formula.max);
    }
    case "instrument_total": {
      const instrument = facts.instruments.find((i) => i.id === formula.instrument);
      if (!instrument) return null;
      let total = 0;
      for (let item = 1; item <= instrument.items; item++) {
        const position = num(`${instrument.id}_${item}`);
        const s = position === null ? null : score(instrument, item, position);
        if (s === null) return null;
        total += s;
      }
      return total;
    }
    case "item_score": {
      const instrument = facts.instruments.find((i) => i.id === formula.instrument);
      const position = num(`${formula.instrument}_${formula.item}`);
      return instrument && position !== null ? score(instrument, formula.item, position) : null;
    }
  }
}

const HOLDS = {
  lt: (a: number, b: number) => a < b,
  le: (a: number, b: number) => a <= b,
  gt: (a: number, b: number) => a > b,
  ge: (a: number, b: number) => a >= b,
} as const;

/** Whether a `show_if` condition holds; a field with no answer never makes it true. */
export function holds(condition: Condition, facts: Facts): boolean {
  if ("all" in condition) return condition.all.every((c) => holds(c, facts));
  if ("any" in condition) return condition.any.some((c) => holds(c, facts));
  if ("is" in condition) {
    const raw = read(facts, condition.field);
    if (raw === undefined) return false;
    const chosen = raw.split(",").map((s) => s.trim());
    return condition.is.some((o) => chosen.includes(o));
  }
  if ("risen_by" in condition) return false;
  const value = parseNumber(read(facts, condition.field));
  if (value === null) return false;
  if ("other" in condition) {
    const other = parseNumber(read(facts, condition.other));
    return other !== null && HOLDS[condition.op](value, other);
  }
  return HOLDS[condition.op](value, condition.value);
}
