// A red flag says its level, what it is, which value crossed which threshold, and what to do.
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import definitionJson from "../../../crates/lohusa-core/checklists/v2.json";
import { FlagList } from "../components/FlagList";
import type { BabyRecord, ChecklistDefinition, Flag } from "../ipc";

const definition = definitionJson as unknown as ChecklistDefinition;

const baby: BabyRecord = {
  id: "b1",
  birth_id: "x",
  mother_id: "m",
  ordinal: 1,
  name: "Elif",
  sex: "female",
  birth_weight_g: 3000,
};

const flags: Flag[] = [
  { rule: "severe_hypertension", level: "urgent", baby: null, reasons: [{ type: "compare", field: "bp_systolic", value: 164, op: "ge", threshold: 160 }] },
  {
    rule: "weight_loss",
    level: "attention",
    baby: "b1",
    reasons: [{ type: "compare", field: "weight_change_pct", value: -13.3, op: "lt", threshold: -10 }],
  },
  { rule: "fever_with_infection_signs", level: "urgent", baby: null, reasons: [
    { type: "compare", field: "temperature", value: 38.4, op: "ge", threshold: 38 },
    { type: "is", field: "lochia_smell", answer: "foul" },
  ] },
  { rule: "pain", level: "attention", baby: null, reasons: [{ type: "risen", field: "pain_score", value: 6, previous: 3, risen_by: 2 }] },
  { rule: "mild_anaemia", level: "note", baby: null, reasons: [{ type: "compare", field: "hemoglobin", value: 11.4, op: "lt", threshold: 12 }] },
];

describe("red flags", () => {
  it("say why they were raised and what to do, in Turkish", () => {
    render(<FlagList flags={flags} babies={[baby]} definition={definition} />);
    const [urgent, attention, infection, pain, note] = screen.getAllByRole("listitem");
    expect(urgent).toHaveTextContent("ACİL: Ağır yüksek tansiyon");
    expect(urgent).toHaveTextContent("Tansiyon, büyük (sistolik) 164 mmHg: 160 veya üstü");
    expect(urgent).toHaveTextContent("Aynı gün sevk edin.");
    expect(attention).toHaveTextContent("Dikkat: Bebek doğum ağırlığının %10’undan fazlasını kaybetti · Elif");
    expect(attention).toHaveTextContent("Doğum ağırlığına göre değişim -13,3 %: -10 altında");
    expect(infection).toHaveTextContent("Vücut ısısı 38,4 °C: 38 veya üstü; Akıntının kokusu: Kötü kokulu");
    expect(pain).toHaveTextContent("Ağrı (0 yok – 10 en şiddetli) 3 → 6: son izlemden bu yana 3 arttı");
    expect(note).toHaveTextContent("Not: Hafif anemi");
    expect(note).toHaveAttribute("data-level", "note");
  });

  it("show nothing when there are none", () => {
    const { container } = render(<FlagList flags={[]} babies={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
