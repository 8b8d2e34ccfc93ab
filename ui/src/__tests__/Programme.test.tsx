// The programme report's numbers as shown (a share with its denominator and percentage, a
// median with how many it is of, a hidden small number), its definitions one tap away, a
// breakdown's groups, and the stock: a nurse's low kinds named, the team lead's movement form
// refused field by field.
import { render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { cellText, ProgrammeReport } from "../components/ProgrammeReport";
import { lowKinds, Stock } from "../components/Stock";
import { setLanguage } from "../i18n";
import type { Balance, IndicatorDef, ProgrammeReport as Report, StockInput, StockView } from "../ipc";

let report: Report;
let stock: StockView;
const recorded: StockInput[] = [];

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      programmeReport: () => Promise.resolve(report),
      stock: () => Promise.resolve(stock),
      knownMembers: () => Promise.resolve([{ id: "m-derya", name: "Ebe Derya" }]),
      recordStock: (input: StockInput) => {
        recorded.push(input);
        if (input.count === "0") {
          return Promise.reject({
            kind: "validation",
            message: "",
            errors: [{ field: "count", rule: "out_of_range", params: { value: "0", min: "1", max: "10000", unit: "" } }],
            code: null,
          });
        }
        return Promise.resolve(stock);
      },
    },
  };
});

const text = (s: string) => ({ tr: s, en: s, ar: s });

const share: IndicatorDef = {
  id: "women_reached",
  kind: "share",
  section: "reach",
  unit: null,
  name: { tr: "Ulaşılan kadınlar", en: "Women reached", ar: "النساء اللواتي تم الوصول إليهن" },
  numerator: { tr: "Bunlardan en az bir ziyaret yapılanlar", en: "Of these, at least one visit", ar: "منهن" },
  denominator: { tr: "Ay içinde kaydedilen anneler", en: "Mothers registered in the month", ar: "الأمهات" },
  partition: null,
};
const median: IndicatorDef = {
  id: "days_discharge_to_first_visit",
  kind: "median",
  section: "windows",
  unit: "days",
  name: text("Days from discharge"),
  numerator: text("median"),
  denominator: text("first visits"),
  partition: null,
};

function balance(held: number[], low: boolean[]): Balance {
  return { holder: { type: "nurse", member: "m-derya" }, name: "Ebe Derya", held, given: [0, 0, 0], low };
}

beforeEach(async () => {
  await setLanguage("tr");
  recorded.length = 0;
  report = {
    from: "2026-11-01",
    to: "2026-11-30",
    today: "2026-12-06",
    deidentified: false,
    indicators: [share, median],
    breakdowns: [
      {
        dimension: "total",
        name: { tr: "Tüm ekip", en: "Whole team", ar: "الفريق كله" },
        groups: [
          {
            key: "all",
            name: text("Tüm ekip"),
            cells: [
              { numerator: 5, denominator: 6, median: null, suppressed: false },
              { numerator: 4, denominator: 4, median: 2.5, suppressed: false },
            ],
          },
        ],
      },
      {
        dimension: "nationality",
        name: { tr: "Uyruk (ISO 3166)", en: "Nationality", ar: "الجنسية" },
        groups: [
          { key: "SY", name: { tr: "Suriye", en: "Syria", ar: "سوريا" }, cells: [{ numerator: 2, denominator: 2, median: null, suppressed: false }, { numerator: 2, denominator: 2, median: 3, suppressed: false }] },
          { key: "TR", name: { tr: "Türkiye", en: "Türkiye", ar: "تركيا" }, cells: [{ numerator: 3, denominator: 4, median: null, suppressed: false }, { numerator: 2, denominator: 2, median: 2, suppressed: false }] },
        ],
      },
    ],
  };
  stock = {
    kinds: ["health_care", "woman_care", "baby_care"],
    balances: [{ holder: { type: "office" }, name: null, held: [0, 12, 30], given: [0, 0, 0], low: [false, false, false] }, balance([0, 2, 8], [false, true, false])],
    movements: [],
  };
});

describe("the programme report", () => {
  it("shows a share with its denominator and percentage, a median with its count, a hidden cell as <5", () => {
    const t = (key: string, options?: Record<string, unknown>) => `${key}:${JSON.stringify(options ?? {})}`;
    expect(cellText({ numerator: 5, denominator: 6, median: null, suppressed: false }, share, "tr", t)).toEqual({ main: "5 / 6", share: "83 %" });
    expect(cellText({ numerator: 4, denominator: 4, median: 2.5, suppressed: false }, median, "tr", t)).toEqual({
      main: "2,5",
      share: 'office.report.of_n:{"n":4}',
    });
    expect(cellText({ numerator: 0, denominator: null, median: null, suppressed: true }, share, "tr", t)).toEqual({ main: "<5", share: "" });
    expect(cellText({ numerator: 0, denominator: 0, median: null, suppressed: false }, share, "tr", t).share).toBe("–");
  });

  it("opens an indicator's definition and switches to a breakdown", async () => {
    render(<ProgrammeReport />);
    expect(await screen.findByTestId("indicator-women_reached")).toHaveTextContent("5 / 6");
    await userEvent.click(screen.getByRole("button", { name: /Ulaşılan kadınlar/ }));
    const definition = screen.getByTestId("definition-women_reached");
    expect(definition).toHaveTextContent("Pay: Bunlardan en az bir ziyaret yapılanlar");
    expect(definition).toHaveTextContent("Payda: Ay içinde kaydedilen anneler");
    await userEvent.selectOptions(screen.getByRole("combobox"), "nationality");
    const table = screen.getByTestId("report-breakdown");
    expect(within(table).getAllByRole("columnheader").map((h) => h.textContent)).toEqual(["Gösterge", "Suriye", "Türkiye"]);
  });
});

describe("the stock", () => {
  it("names the kinds a nurse is low on", async () => {
    await setLanguage("tr");
    const t = (key: string) => ({ "checklist.options.packages_given.woman_care": "Kadın bakım paketi" })[key] ?? key;
    expect(lowKinds(balance([0, 2, 8], [false, true, false]), t)).toEqual(["Kadın bakım paketi: 2"]);
    expect(lowKinds(balance([0, 9, 8], [false, false, false]), t)).toEqual([]);
  });

  it("shows each holder's packages and refuses a count of zero under its field", async () => {
    render(<Stock lead />);
    const table = await screen.findByTestId("stock-balances");
    expect(within(table).getByText("Ebe Derya")).toBeInTheDocument();
    expect(within(table).getByText("az kaldı")).toBeInTheDocument();
    await userEvent.selectOptions(screen.getByRole("combobox", { name: "Paket türü" }), "baby_care");
    await userEvent.type(screen.getByRole("textbox", { name: "Adet" }), "0");
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));
    expect(await screen.findByText(/Adet/, { selector: ".field-error" })).toBeInTheDocument();
    expect(recorded[0]).toMatchObject({ movement: "prepared", kind: "baby_care", count: "0", member: null });
  });
});
