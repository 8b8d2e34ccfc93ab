// The registration form shows each error the Rust validation returns under its own field, in the
// UI language, and sends exactly what the nurse typed.
import { act, fireEvent, render, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { AppError, RegistrationInput } from "../ipc";
import { NavContext, type Route } from "../lib/nav";
import { Register } from "../screens/Register";

const registerMother = vi.fn<(input: RegistrationInput) => Promise<string>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return { ...actual, ipc: { ...actual.ipc, registerMother: (input: RegistrationInput) => registerMother(input) } };
});

const refused: AppError = {
  kind: "validation",
  message: "invalid input",
  code: null,
  errors: [
    { field: "mother.full_name", rule: "required", params: {} },
    { field: "birth.birth_date", rule: "in_the_future", params: { value: "2026-12-01" } },
    { field: "birth.discharge_date", rule: "before_birth", params: { value: "2026-11-20", other: "2026-11-22" } },
    { field: "babies.0.birth_weight_g", rule: "out_of_range", params: { value: "40000", min: "500", max: "7000", unit: "g" } },
  ],
};

function renderForm() {
  const go = vi.fn<(route: Route) => void>();
  render(
    <NavContext.Provider value={{ route: { name: "register" }, go }}>
      <Register />
    </NavContext.Provider>,
  );
  return { go };
}

/** The `.field` block that holds the control named `name`. */
function fieldOf(name: string): HTMLElement {
  const control = document.querySelector(`[name="${name}"]`);
  if (!control) throw new Error(`no control named ${name}`);
  return control.closest(".field") as HTMLElement;
}

describe("registration form", () => {
  beforeEach(() => {
    registerMother.mockReset();
    act(() => setLanguage("tr"));
  });
  afterEach(() => act(() => setLanguage("tr")));

  it("shows every refused field's message in place, in Turkish, naming the field and the rule", async () => {
    registerMother.mockRejectedValue(refused);
    renderForm();
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));

    expect(await screen.findByTestId("form-error")).toHaveTextContent("Kaydedilmedi: işaretli 4 alanı düzeltin.");
    expect(within(fieldOf("mother.full_name")).getByRole("alert")).toHaveTextContent("Adı soyadı: boş bırakılamaz");
    expect(within(fieldOf("birth.birth_date")).getByRole("alert")).toHaveTextContent(
      "Doğum tarihi (bebeğin): 01.12.2026 ileri bir tarih olamaz",
    );
    expect(within(fieldOf("birth.discharge_date")).getByRole("alert")).toHaveTextContent(
      "Taburcu tarihi: 20.11.2026, doğum tarihinden (22.11.2026) önce olamaz",
    );
    expect(within(fieldOf("babies.0.birth_weight_g")).getByRole("alert")).toHaveTextContent(
      "Doğum ağırlığı (g): 40000 g kabul edilen aralığın dışında (500–7000 g)",
    );
    expect(document.querySelector('[name="babies.0.birth_weight_g"]')).toHaveAttribute("aria-invalid", "true");
    // Fields without an error show none.
    expect(within(fieldOf("mother.phone")).queryByRole("alert")).toBeNull();
  });

  it("shows the same errors in English when the UI is in English", async () => {
    act(() => setLanguage("en"));
    registerMother.mockRejectedValue(refused);
    renderForm();
    await userEvent.click(screen.getByRole("button", { name: "Save" }));
    expect(await within(fieldOf("babies.0.birth_weight_g")).findByRole("alert")).toHaveTextContent(
      "Birth weight (g): 40000 g is outside the accepted range (500–7000 g)",
    );
    expect(within(fieldOf("mother.full_name")).getByRole("alert")).toHaveTextContent("Full name: is required");
  });

  it("sends what was typed, twins included, and opens the new mother", async () => {
    registerMother.mockResolvedValue("0190a000-0000-7000-8000-000000000001");
    const { go } = renderForm();
    const type = (name: string, value: string) =>
      fireEvent.change(document.querySelector(`[name="${name}"]`)!, { target: { value } });
    type("mother.full_name", "IŞIK Fatma");
    type("birth.birth_date", "22.11.2026");
    type("birth.mode", "caesarean");
    type("babies.0.sex", "female");
    type("babies.0.birth_weight_g", "3,2");
    await userEvent.click(screen.getByRole("button", { name: "Bebek ekle (ikiz, üçüz)" }));
    type("babies.1.sex", "male");
    type("babies.1.birth_weight_g", "2480");
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));

    expect(registerMother).toHaveBeenCalledTimes(1);
    const sent = registerMother.mock.calls[0][0];
    expect(sent.mother.full_name).toBe("IŞIK Fatma");
    expect(sent.birth).toMatchObject({ birth_date: "22.11.2026", mode: "caesarean" });
    expect(sent.babies).toEqual([
      { name: "", sex: "female", birth_weight_g: "3,2" },
      { name: "", sex: "male", birth_weight_g: "2480" },
    ]);
    expect(go).toHaveBeenCalledWith({ name: "mother", id: "0190a000-0000-7000-8000-000000000001", notice: "Anne ve bebek kaydedildi." });
  });

  it("takes a field's message away as soon as that field is changed", async () => {
    registerMother.mockRejectedValue(refused);
    renderForm();
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));
    await within(fieldOf("mother.full_name")).findByRole("alert");
    fireEvent.change(document.querySelector('[name="mother.full_name"]')!, { target: { value: "Fatma" } });
    expect(within(fieldOf("mother.full_name")).queryByRole("alert")).toBeNull();
    expect(within(fieldOf("babies.0.birth_weight_g")).getByRole("alert")).toBeInTheDocument();
  });

  it("clears an error once the form is sent again and accepted", async () => {
    registerMother.mockRejectedValueOnce(refused).mockResolvedValueOnce("0190a000-0000-7000-8000-000000000002");
    const { go } = renderForm();
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));
    expect(await screen.findByTestId("form-error")).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Kaydet" }));
    expect(go).toHaveBeenCalledTimes(1);
    expect(screen.queryByTestId("form-error")).toBeNull();
    expect(screen.queryAllByRole("alert")).toEqual([]);
  });
});
