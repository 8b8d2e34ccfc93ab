// Loading a licensed screening text: the file goes to the app as it is, and a file that does not
// fit its questionnaire is refused with the reason in the nurse's language.
import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { ScreeningTexts } from "../components/ScreeningTexts";
import type { AppError, InstrumentText } from "../ipc";

/** What the app does with the file, per test; the contents it was given. */
let install: (content: string) => Promise<InstrumentText>;
const sent: string[] = [];

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  const installScreeningText = (content: string) => {
    sent.push(content);
    return install(content);
  };
  return { ...actual, ipc: { ...actual.ipc, installScreeningText } };
});

function choose(content: string) {
  const input = document.querySelector<HTMLInputElement>("input[type=file]")!;
  return userEvent.upload(input, new File([content], "epds.ar.json", { type: "application/json" }));
}

describe("screening texts", () => {
  beforeEach(() => {
    sent.length = 0;
  });

  it("load a file and say which questionnaire and language it was", async () => {
    install = async () => ({ instrument: "epds", language: "ar", title: "EPDS", instructions: "", items: [], source: "" });
    render(<ScreeningTexts />);
    await choose('{"instrument":"epds"}');
    expect(sent).toEqual(['{"instrument":"epds"}']);
    expect(await screen.findByRole("status")).toHaveTextContent("Yüklendi: EPDS (Arapça).");
  });

  it("say why a file does not fit", async () => {
    const refused: AppError = {
      kind: "validation",
      message: "not a usable screening text",
      code: null,
      errors: [{ field: "screening_text", rule: "not_a_screening_text", params: { reason: "item_count", detail: "…" } }],
    };
    install = () => Promise.reject(refused);
    render(<ScreeningTexts />);
    await choose("{}");
    expect(await screen.findByRole("alert")).toHaveTextContent("Dosyadaki soru sayısı yanlış.");
  });
});
