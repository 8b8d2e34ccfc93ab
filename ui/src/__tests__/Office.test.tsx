// The team lead's office: the coverage table and chart per nurse, tablets silent for days
// marked, a referral import whose suspected duplicate is shown side by side and merged with the
// fields chosen, and the trend of a mother's visits.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { Coverage, shiftMonth } from "../components/Coverage";
import { defaultTake, ReferralImport } from "../components/ReferralImport";
import { isSilent, Tablets } from "../components/Tablets";
import { seriesOf } from "../components/Trend";
import { setLanguage } from "../i18n";
import type { CoverageTable, ImportReport, MotherRecord, MotherView, ReferralRow, TeamDevices } from "../ipc";
import { NavContext } from "../lib/nav";

let table: CoverageTable;
let devices: TeamDevices;
let report: ImportReport;
const merged: Array<{ into: string; take: string[] }> = [];

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      coverage: () => Promise.resolve(table),
      teamDevices: () => Promise.resolve(devices),
      importReferrals: () => Promise.resolve(report),
      mergeReferral: (into: string, _row: ReferralRow, take: string[]) => {
        merged.push({ into, take });
        return Promise.resolve();
      },
    },
  };
});

const counts = (done: number, late: number) => ({ done, done_late: 0, missed: 0, late, open: 0 });

function renderIn(node: React.ReactNode) {
  render(<NavContext.Provider value={{ route: { name: "office" }, go: vi.fn() }}>{node}</NavContext.Provider>);
}

const existing: MotherRecord = {
  id: "m-fatma",
  full_name: "فاطمة الأحمد",
  date_of_birth: null,
  age_years: 29,
  phone: "0532 111 22 33",
  street: null,
  neighbourhood: "Basmane",
  district: "Konak",
  residency_status: "temporary_protection",
  nationality: null,
  id_number: null,
  preferred_language: "ar",
  interpreter_needed: true,
  registered_on: "2026-11-21",
};

const row: ReferralRow = {
  line: 3,
  hospital: "Tepecik EAH",
  input: {
    mother: {
      full_name: "Fatima Al-Ahmad",
      date_of_birth: "",
      age_years: "",
      phone: "+90 532 111 2233",
      street: "",
      neighbourhood: "Basmane",
      district: "",
      residency_status: null,
      nationality: "Suriye",
      id_number: "99123456782",
      preferred_language: "ar",
      interpreter_needed: false,
    },
    birth: { birth_date: "20.11.2026", discharge_date: "", mode: "caesarean", gestational_weeks: "" },
    babies: [{ name: "", sex: "male", birth_weight_g: "3000" }],
  },
};

beforeEach(async () => {
  await setLanguage("tr");
  merged.length = 0;
});

describe("coverage", () => {
  it("shows a row per nurse, the team's total and the split per visit", async () => {
    table = {
      from: "2026-11-01",
      to: "2026-11-30",
      today: "2026-11-25",
      rows: [
        { nurse: "Ebe Ayşe", visits: [counts(3, 0), counts(1, 1), counts(0, 0)], total: counts(4, 1), mothers_without_visit: 0 },
        { nurse: null, visits: [counts(0, 2), counts(0, 0), counts(0, 0)], total: counts(0, 2), mothers_without_visit: 2 },
      ],
      team: { nurse: null, visits: [counts(3, 2), counts(1, 1), counts(0, 0)], total: counts(4, 3), mothers_without_visit: 2 },
    };
    renderIn(<Coverage />);
    const grid = await screen.findByTestId("coverage-table");
    const rows = within(grid).getAllByRole("row");
    expect(rows.map((r) => r.querySelector("th")?.textContent)).toEqual(["Hemşire veya ebe", "Ebe Ayşe", "Atanmamış", "Tüm ekip"]);
    const ayse = rows[1];
    expect(ayse.querySelector('[data-part="done"]')?.textContent).toBe("43 / 1 / 0");
    expect(rows[3].querySelector('[data-part="without_visit"]')?.textContent).toBe("2");
    expect(screen.getByTestId("coverage-month").textContent).toBe("Kasım 2026");
  });

  it("moves between months across the year", () => {
    expect(shiftMonth("2026-12-01", 1)).toBe("2027-01-01");
    expect(shiftMonth("2026-01-01", -1)).toBe("2025-12-01");
  });
});

describe("tablets", () => {
  it("marks a tablet silent for longer than the limit and one never synced", async () => {
    const now = Date.now();
    devices = {
      this_device: "d1",
      silent_after_days: 3,
      devices: [
        { id: "d1", name: "Ofis", enrolled_ms: now, last_seen_ms: now, last_sync_ms: now - 3_600_000, report: { app_version: "0.1.0", member: "Ebe Ayşe", pending: 0, conflicts: 1, quarantined: 0 } },
        { id: "d2", name: "Tablet 2", enrolled_ms: now, last_seen_ms: null, last_sync_ms: now - 5 * 86_400_000, report: { app_version: "0.1.0", member: "Ebe Elif", pending: 12, conflicts: 0, quarantined: 0 } },
        { id: "d3", name: "Tablet 3", enrolled_ms: now, last_seen_ms: null, last_sync_ms: null, report: null },
      ],
    };
    renderIn(<Tablets />);
    const grid = await screen.findByTestId("tablets-table");
    const silent = Array.from(grid.querySelectorAll("tr.silent")).map((r) => r.getAttribute("data-device"));
    expect(silent).toEqual(["d2", "d3"]);
    expect(within(grid).getByText("bu tablet")).toBeInTheDocument();
    expect(isSilent(devices.devices[0], 3, now)).toBe(false);
  });
});

describe("referral import", () => {
  it("reports refused rows by line and column, and merges a suspect with the fields chosen", async () => {
    report = {
      file_error: null,
      created: [{ line: 2, mother_id: "m-new", full_name: "Zeynep Kaya" }],
      errors: [{ line: 5, column: "baby_birth_weight_g", error: { field: "babies.0.birth_weight_g", rule: "not_a_number", params: { value: "abc" } } }],
      suspected: [
        {
          row,
          suspects: [
            {
              suspect: { id: "m-fatma", score: 70, reasons: ["name_spelling", "same_phone"] },
              mother: existing,
              birth: { id: "b1", mother_id: "m-fatma", birth_date: "2026-11-20", discharge_date: null, mode: "caesarean", gestational_weeks: null },
            },
          ],
        },
      ],
    };
    renderIn(<ReferralImport />);
    const file = new File(["full_name\n"], "sevk.csv", { type: "text/csv" });
    await userEvent.upload(document.querySelector<HTMLInputElement>('input[name="referral_file"]')!, file);
    expect(await screen.findByText(/Kaydedilen: 1\. Kararınızı bekleyen: 1\. Reddedilen satır: 1\./)).toBeInTheDocument();
    const refused = document.querySelector('[data-line="5"]')!;
    expect(refused.textContent).toContain("Satır 5");
    expect(refused.textContent).toContain("baby_birth_weight_g");
    const duplicate = document.querySelector("article.duplicate")!;
    expect(duplicate.textContent).toContain("Benzerlik 70/100: aynı isim, başka yazılışla, aynı telefon.");
    // The interpreter row reads yes and no in the reader's language, never a raw key.
    expect(duplicate.textContent).toContain("Evet");
    expect(duplicate.textContent).toContain("Hayır");
    expect(duplicate.textContent).not.toMatch(/options\./);
    // Taken by default: what the referral says and the record does not (nationality, ID).
    expect(defaultTake(row.input.mother, existing)).toEqual(["id_number", "nationality"]);
    await userEvent.click(within(duplicate as HTMLElement).getByRole("checkbox", { name: "Al: Adı soyadı" }));
    await userEvent.click(within(duplicate as HTMLElement).getByRole("button", { name: /Aynı anne/ }));
    expect(merged).toEqual([{ into: "m-fatma", take: ["id_number", "nationality", "full_name"] }]);
    expect(await screen.findByText(/Satır 3: فاطمة الأحمد kaydıyla birleştirildi\./)).toBeInTheDocument();
  });
});

describe("trend", () => {
  it("reads a value at every visit made, by day of life, marking the one shown", () => {
    const visit = (id: string, day: string, systolic: number) => ({
      id,
      extra_visit_id: null,
      mother_id: "m1",
      number: 1 as const,
      outcome: "visited" as const,
      visited_on: day,
      visited_at: null,
      visited_by: "Ebe",
      note: null,
      checklist_version: 2,
      answers: { "mother.bp_systolic": systolic },
    });
    const card = (v: ReturnType<typeof visit>, dayOfLife: number) => ({
      window: { number: 1 as const, opens_on: "2026-11-01", closes_on: "2026-11-04" },
      status: "done" as const,
      first_day: 2,
      last_day: 5,
      day_of_life_at_visit: dayOfLife,
      visit: v,
      attempts: [],
      flags: [],
    });
    const view = { cards: [card(visit("v2", "2026-11-14", 150), 14), card(visit("v1", "2026-11-03", 124), 3)] } as unknown as MotherView;
    expect(seriesOf(view, "mother.bp_systolic", "v2")).toEqual([
      { day: 3, value: 124, current: false },
      { day: 14, value: 150, current: true },
    ]);
  });
});
