// The visit form: a visit dated before the birth is refused with the message under the date, and
// the checklist comes from its definition with live computed fields.
import { cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import v1Json from "../../../crates/lohusa-core/checklists/v1.json";
import definitionJson from "../../../crates/lohusa-core/checklists/v2.json";
import type { AppError, ChecklistDefinition, InstrumentText, MotherView, SavedVisit, VisitDraft, VisitInput } from "../ipc";
import { nowTime } from "../lib/dates";
import { NavContext } from "../lib/nav";
import { Visit } from "../screens/Visit";

const definition = definitionJson as unknown as ChecklistDefinition;
// As the app sends it: the Rust side fills in what version 1 leaves out.
const v1 = { instruments: [], ...v1Json } as unknown as ChecklistDefinition;
const recordVisit = vi.fn<(input: VisitInput) => Promise<SavedVisit>>();
const go = vi.fn();
/** The draft the app holds for the visit, and every form it was asked to keep. */
let draft: VisitDraft | null = null;
const kept: VisitInput[] = [];

const view: MotherView = {
  today: "2026-11-25",
  day_of_life: 3,
  drafts: [],
  reviews: [],
  sources: {},
  extra_visits: [],
  notes: [],
  case: { assigned_to: null, assigned_name: null, closed_on: null, closed_reason: null },
  note_topic: null,
  mother: {
    id: "m1",
    full_name: "Ayşe Işık",
    date_of_birth: null,
    age_years: 27,
    phone: null,
    street: null,
    neighbourhood: "Basmane",
    district: "Konak",
    residency_status: "citizen",
    nationality: null,
    id_number: null,
    preferred_language: "tr",
    interpreter_needed: false,
    registered_on: "2026-11-23",
  },
  birth: { id: "b1", mother_id: "m1", birth_date: "2026-11-22", discharge_date: null, mode: "vaginal", gestational_weeks: null },
  babies: [{ id: "k1", birth_id: "b1", mother_id: "m1", ordinal: 1, name: "Elif", sex: "female", birth_weight_g: 3000 }],
  cards: [1, 2, 3].map((n) => ({
    window: { number: n as 1 | 2 | 3, opens_on: "2026-11-24", closes_on: "2026-11-27" },
    status: "due" as const,
    first_day: 2,
    last_day: 5,
    day_of_life_at_visit: null,
    visit: null,
    attempts: [],
    duplicates: [],
    flags: [],
  })),
};

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      mother: async () => view,
      checklist: async (version: number | null) => (version === 1 ? v1 : definition),
      recordVisit: (input: VisitInput) => recordVisit(input),
      screeningText: async (): Promise<InstrumentText | null> => null,
      visitDraft: async () => draft,
      saveVisitDraft: async (input: VisitInput) => {
        kept.push(input);
      },
      discardVisitDraft: async () => {
        draft = null;
      },
    },
  };
});

function renderVisit(number: 1 | 2 | 3 = 1) {
  render(
    <NavContext.Provider value={{ route: { name: "visit", motherId: "m1", number }, go }}>
      <Visit motherId="m1" number={number} memberName="Ebe Derya" />
    </NavContext.Provider>,
  );
}

describe("visit form", () => {
  beforeEach(() => {
    recordVisit.mockReset();
    go.mockReset();
    draft = null;
    kept.length = 0;
  });

  it("shows a visit dated before the birth as an error under the date", async () => {
    const refused: AppError = {
      kind: "validation",
      message: "invalid",
      code: null,
      errors: [{ field: "visited_on", rule: "before_birth", params: { value: "2026-11-20", other: "2026-11-22" } }],
    };
    recordVisit.mockImplementation(() => Promise.reject(refused));
    renderVisit();
    const date = await screen.findByRole("textbox", { name: "Ziyaret tarihi" });
    expect(date).toHaveValue("25.11.2026");
    fireEvent.change(date, { target: { value: "20.11.2026" } });
    await userEvent.click(screen.getByRole("button", { name: "Ziyareti kaydet" }));
    const field = date.closest(".field") as HTMLElement;
    expect(await within(field).findByRole("alert")).toHaveTextContent(
      "Ziyaret tarihi: 20.11.2026, doğum tarihinden (22.11.2026) önce olamaz",
    );
    expect(recordVisit.mock.calls[0][0]).toMatchObject({ visited_on: "20.11.2026", visited_by: "Ebe Derya", number: 1 });
  });

  it("renders the checklist from its definition with live LATCH total and weight change", async () => {
    renderVisit();
    const weight = await screen.findByRole("textbox", { name: "Ağırlık (g)" });
    fireEvent.change(weight, { target: { value: "2790" } });
    expect(document.querySelector('[data-name="baby.k1.weight_change_pct"] output')).toHaveTextContent("-7 %");
    for (const item of ["latch_l", "latch_a", "latch_t", "latch_c", "latch_h"]) {
      await userEvent.click(document.querySelector(`[data-name="baby.k1.${item}"] [data-value="2"]`)!);
    }
    expect(document.querySelector('[data-name="baby.k1.latch_total"] output')).toHaveTextContent("10");
  });

  it("asks follow-up questions only when they apply", async () => {
    renderVisit();
    await screen.findByRole("textbox", { name: "Ağırlık (g)" });
    // A vaginal birth: the perineum section, not the caesarean wound.
    expect(document.querySelector('[data-section="perineum"]')).not.toBeNull();
    expect(document.querySelector('[data-section="caesarean_wound"]')).toBeNull();
    expect(screen.queryByRole("textbox", { name: "Örnek tarihi" })).toBeNull();
    const done = document.querySelector('[data-name="mother.ua_done"] [data-value="yes"]')!;
    await userEvent.click(done);
    expect(screen.getByRole("textbox", { name: "Örnek tarihi" })).toBeInTheDocument();
    // Any number of breast findings, sent as a list of codes.
    await userEvent.click(document.querySelector('[data-name="mother.breasts"] [data-value="engorged"]')!);
    await userEvent.click(document.querySelector('[data-name="mother.breasts"] [data-value="cracked_nipple"]')!);
    recordVisit.mockResolvedValue({ id: "v1", flags: [] });
    await userEvent.click(screen.getByRole("button", { name: "Ziyareti kaydet" }));
    expect(recordVisit.mock.calls[0][0].answers).toMatchObject({ "mother.ua_done": "yes", "mother.breasts": "engorged,cracked_nipple" });
    expect(go).toHaveBeenCalledWith(expect.objectContaining({ name: "mother", id: "m1" }));
  });

  it("sends only the answers of questions it shows: a value typed before its question was hidden stays behind", async () => {
    renderVisit();
    await screen.findByRole("textbox", { name: "Ağırlık (g)" });
    await userEvent.click(document.querySelector('[data-name="mother.ua_done"] [data-value="yes"]')!);
    await userEvent.click(document.querySelector('[data-name="mother.ua_nitrite"] [data-value="positive"]')!);
    // The urinalysis was not done after all: its result is hidden, and not sent.
    await userEvent.click(document.querySelector('[data-name="mother.ua_done"] [data-value="no"]')!);
    recordVisit.mockResolvedValue({ id: "v1", flags: [] });
    await userEvent.click(screen.getByRole("button", { name: "Ziyareti kaydet" }));
    const sent = recordVisit.mock.calls[0][0].answers;
    expect(sent["mother.ua_done"]).toBe("no");
    expect(sent).not.toHaveProperty("mother.ua_nitrite");
  });

  it("shows an urgent flag the moment the visit is saved, until the nurse acknowledges it", async () => {
    renderVisit(2);
    // The save's answer decides the flags; the real rules are tested in Rust and end to end.
    await screen.findByRole("textbox", { name: "Ağırlık (g)" });
    recordVisit.mockResolvedValue({
      id: "v2",
      flags: [{ rule: "severe_anaemia", level: "urgent", baby: null, reasons: [{ type: "compare", field: "hemoglobin", value: 7.5, op: "lt", threshold: 8 }] }],
    });
    await userEvent.click(screen.getByRole("button", { name: "Ziyareti kaydet" }));
    const dialog = await screen.findByRole("alertdialog");
    expect(dialog).toHaveTextContent("ACİL: bugün sevk edin");
    expect(dialog).toHaveTextContent("Hemoglobin 7,5 g/dL: 8 altında");
    expect(go).not.toHaveBeenCalled();
    await userEvent.click(within(dialog).getByRole("button", { name: "Okudum, anladım" }));
    expect(go).toHaveBeenCalledWith(expect.objectContaining({ name: "mother", id: "m1" }));
  });

  it("lets the mother answer the screening herself, then fills in the form", async () => {
    renderVisit(3);
    await screen.findByRole("textbox", { name: "Ağırlık (g)" });
    await userEvent.click(document.querySelector('[data-name="mother.screening_instrument"] [data-value="epds"]')!);
    await userEvent.click(screen.getByRole("button", { name: "Tablette kendisi yanıtlasın" }));
    const overlay = screen.getByRole("dialog");
    // Her record is not in view behind it: the overlay covers the screen and names no one.
    expect(overlay).not.toHaveTextContent("Ayşe");
    await userEvent.click(overlay.querySelector('button[name="screening_language_ar"]')!);
    await userEvent.click(overlay.querySelector('button[name="screening_start"]')!);
    expect(overlay).toHaveAttribute("dir", "rtl");
    for (let item = 1; item <= 10; item++) {
      await userEvent.click(overlay.querySelector('[data-position="0"]')!);
      // An answer does not move on by itself: a double tap must not answer the next question.
      expect(overlay.querySelector(".self-screening-progress")).toHaveTextContent(`${item}`);
      if (item < 10) await userEvent.click(overlay.querySelector('button[name="screening_next"]')!);
    }
    await userEvent.click(overlay.querySelector('button[name="screening_finish"]')!);
    await userEvent.click(overlay.querySelector('button[name="screening_return"]')!);
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(document.querySelector('[data-name="mother.epds_total"] output')).toHaveTextContent("21");
  });
});

describe("a visit being filled in", () => {
  beforeEach(() => {
    draft = null;
    kept.length = 0;
  });

  it("is kept as a draft as the nurse types, and restored when she comes back", async () => {
    renderVisit();
    const systolic = await screen.findByRole("textbox", { name: "Tansiyon, büyük (sistolik) (mmHg)" });
    fireEvent.change(systolic, { target: { value: "124" } });
    await waitFor(() => expect(kept.at(-1)?.answers).toMatchObject({ "mother.bp_systolic": "124" }), { timeout: 3000 });
    cleanup();

    draft = { input: kept.at(-1)!, saved_at: "2026-11-25T07:05:00Z" };
    renderVisit();
    expect(await screen.findByTestId("draft-restored")).toHaveTextContent("10:05");
    expect(screen.getByRole("textbox", { name: "Tansiyon, büyük (sistolik) (mmHg)" })).toHaveValue("124");
    await userEvent.click(screen.getByRole("button", { name: "Sil ve baştan başla" }));
    expect(draft).toBeNull();
    expect(screen.getByRole("textbox", { name: "Tansiyon, büyük (sistolik) (mmHg)" })).toHaveValue("");
  });
});

describe("a visit recorded with an older checklist", () => {
  it("shows its answers by the definition it was filled with", async () => {
    const old = structuredClone(view);
    old.cards[0] = {
      ...old.cards[0],
      status: "done",
      visit: {
        id: "v0",
        extra_visit_id: null,
        mother_id: "m1",
        number: 1,
        outcome: "visited",
        visited_on: "2026-11-24",
        visited_at: "10:30",
        visited_by: "Ebe Derya",
        note: null,
        checklist_version: 1,
        answers: { "mother.bp_systolic": 122, "baby.k1.latch_l": 2 },
      },
    };
    const original = view.cards[0];
    view.cards[0] = old.cards[0];
    try {
      renderVisit();
      expect(await screen.findByText("Kontrol listesi sürüm 1 ile doldurulmuştur.")).toBeInTheDocument();
      expect(document.querySelector('[data-name="mother.bp_systolic"] output')).toHaveTextContent("122 mmHg");
      // Version 1 had no lochia questions: none are shown.
      expect(document.querySelector('[data-section="lochia"]')).toBeNull();
      expect(screen.queryByRole("button", { name: "Tahlil sonucu ekle" })).toBeNull();
    } finally {
      view.cards[0] = original;
    }
  });
});

describe("the time of a visit recorded now", () => {
  it("is İzmir time whatever the device's zone", () => {
    expect(nowTime(new Date("2026-11-25T21:30:00Z"))).toBe("00:30");
    expect(nowTime(new Date("2026-11-25T07:05:00Z"))).toBe("10:05");
  });
});
