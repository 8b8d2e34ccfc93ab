// A red flag says its level, what it is, which value crossed which threshold, and what to do.
import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";

import { FlagList } from "../components/FlagList";
import type { BabyRecord, Flag } from "../ipc";

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
  { rule: "severe_hypertension", level: "urgent", baby: null, reasons: [{ field: "bp_systolic", value: 164, op: "ge", threshold: 160 }] },
  { rule: "weight_loss", level: "attention", baby: "b1", reasons: [{ field: "weight_change_pct", value: -13.3, op: "lt", threshold: -10 }] },
];

describe("red flags", () => {
  it("say why they were raised and what to do, in Turkish", () => {
    render(<FlagList flags={flags} babies={[baby]} />);
    const [urgent, attention] = screen.getAllByRole("listitem");
    expect(urgent).toHaveTextContent("ACİL: Ciddi yüksek tansiyon");
    expect(urgent).toHaveTextContent("Tansiyon, büyük (sistolik) 164 ≥ 160");
    expect(urgent).toHaveTextContent("Aynı gün sevk edin.");
    expect(attention).toHaveTextContent("Dikkat: Bebek doğum ağırlığının %10’undan fazlasını kaybetti · Elif");
    expect(attention).toHaveTextContent("Doğum ağırlığına göre değişim -13,3 < -10");
  });

  it("show nothing when there are none", () => {
    const { container } = render(<FlagList flags={[]} babies={[]} />);
    expect(container).toBeEmptyDOMElement();
  });
});
