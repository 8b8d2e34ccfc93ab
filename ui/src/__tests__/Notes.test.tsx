// Notes on the mother's screen: absent for a role that neither reads nor writes them, listed for
// one that reads them, and written by the psychologist with her own kind of note.
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { MotherView, NoteInput, NoteRecord } from "../ipc";
import { Notes } from "../screens/Mother";

const addNote = vi.fn<(input: NoteInput) => Promise<NoteRecord>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return { ...actual, ipc: { ...actual.ipc, addNote: (input: NoteInput) => addNote(input) } };
});

const motherId = "01a21380-2fe2-722b-8dcc-0ebccfded9d6";
const note: NoteRecord = {
  id: "01a21380-2fe2-722b-8dcc-0ebccfded9d7",
  topic: "psychology",
  mother_id: motherId,
  written_on: "2026-11-25",
  text: "Uykusuzluk ve ağlama nöbetleri; haftaya görüşme",
  written_by: "Psk. Selin Ak",
};

function view(notes: NoteRecord[], topic: MotherView["note_topic"]): MotherView {
  return { mother: { id: motherId }, notes, note_topic: topic } as unknown as MotherView;
}

describe("notes", () => {
  beforeEach(() => {
    addNote.mockReset();
    act(() => setLanguage("tr"));
  });

  it("is not there for a nurse", () => {
    const { container } = render(<Notes view={view([], null)} onAdded={vi.fn()} />);
    expect(container).toBeEmptyDOMElement();
  });

  it("lists the notes a doctor may read, without a form", () => {
    render(<Notes view={view([note], null)} onAdded={vi.fn()} />);
    expect(screen.getByTestId("notes")).toHaveTextContent("Psikoloji 25.11.2026 · Psk. Selin Ak");
    expect(screen.getByText(note.text)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Not yaz" })).toBeNull();
  });

  it("lets the psychologist write a psychology note, and explains a refused one", async () => {
    addNote.mockImplementationOnce(() =>
      Promise.reject({ kind: "validation", message: "", code: null, errors: [{ field: "text", rule: "required", params: {} }] }),
    );
    addNote.mockImplementationOnce(() => Promise.resolve(note));
    const added = vi.fn();
    render(<Notes view={view([], "psychology")} onAdded={added} />);
    await userEvent.click(screen.getByRole("button", { name: "Not yaz" }));
    await userEvent.click(screen.getByRole("button", { name: "Notu kaydet" }));
    expect(await screen.findByText("Not: boş bırakılamaz")).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Psikoloji notu"), "Haftaya görüşme");
    await userEvent.click(screen.getByRole("button", { name: "Notu kaydet" }));
    expect(addNote).toHaveBeenLastCalledWith({ mother_id: motherId, text: "Haftaya görüşme" });
    expect(added).toHaveBeenCalled();
  });
});
