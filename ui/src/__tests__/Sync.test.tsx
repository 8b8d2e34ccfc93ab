// The sync screens: enrolling shows the server's refusal in the UI language; the conflicts
// review shows both values with who wrote them and keeps the one chosen.
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { AppError, Conflict, Refused, SyncView } from "../ipc";
import { MemberContext } from "../lib/member";
import { NavContext } from "../lib/nav";
import { Conflicts } from "../screens/Conflicts";
import { Sync } from "../screens/Sync";

const enrollDevice = vi.fn<(server: string, code: string, memberCode: string) => Promise<unknown>>();
const resolveConflict = vi.fn<(entity: string, id: string, field: string, value: unknown) => Promise<void>>();
const conflicts = vi.fn<() => Promise<Conflict[]>>();
const syncState = vi.fn<() => Promise<SyncView>>();
const refusedChanges = vi.fn<() => Promise<Refused[]>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      syncState: () => syncState(),
      enrollDevice: (server: string, code: string, memberCode: string) => enrollDevice(server, code, memberCode),
      conflicts: () => conflicts(),
      resolveConflict: (entity: string, id: string, field: string, value: unknown) => resolveConflict(entity, id, field, value),
      syncNow: () => Promise.resolve(),
      refusedChanges: () => refusedChanges(),
    },
  };
});

const me = "01a21380-1072-7632-9b3f-5f3d9368af93";

function view(server: string | null, lastError: string | null = null): SyncView {
  return {
    status: {
      server,
      team: server ? "izmir" : null,
      pending: 2,
      quarantined: 0,
      cursor: 0,
      open_conflicts: 1,
      last_success: null,
      last_error: lastError,
      clock_skew_ms: null,
      drafts: 0,
      safe_to_hand_over: false,
    },
    running: false,
    progress: null,
    clock_skew_warning: false,
    unencrypted: false,
    member: me,
  };
}

const conflict: Conflict = {
  entity: "mother",
  entity_id: "01a21380-2fe2-722b-8dcc-0ebccfded9d6",
  mother_id: "01a21380-2fe2-722b-8dcc-0ebccfded9d6",
  mother_name: "Fatma Yılmaz",
  visit_number: null,
  field: "phone",
  shown_value: "0555",
  shown_version: "01a213803053-00000000@01a21380-107d-7457-b17d-1b6bf23fa765",
  shown_author: "01a21380-107d-7457-b17d-1b6c436bb2fa",
  shown_author_name: "Ebe Ayşe",
  other_author_name: "Sorumlu Elif",
  other: {
    version: "01a21380304c-00000000@01a21380-1072-7632-9b3f-5f3c79c67184",
    value: "0532",
    author: me,
    change: "01a21380-304c-776c-9ac4-320dbcf26260",
  },
};

function renderIn(node: React.ReactNode) {
  render(<NavContext.Provider value={{ route: { name: "sync" }, go: vi.fn() }}>{node}</NavContext.Provider>);
}

describe("sync screens", () => {
  beforeEach(() => {
    enrollDevice.mockReset();
    resolveConflict.mockReset();
    act(() => setLanguage("tr"));
  });

  it("says in Turkish that an enrollment code was already used", async () => {
    syncState.mockImplementation(() => Promise.resolve(view(null)));
    const used: AppError = { kind: "sync", code: "enrollment_code_used", message: "used", errors: [] };
    enrollDevice.mockImplementation(() => Promise.reject(used));
    renderIn(<Sync />);
    await userEvent.type(await screen.findByLabelText("Sunucu adresi"), "192.168.1.20:8787");
    await userEvent.type(screen.getByLabelText("Kayıt kodu"), "k7qx-m2hd-9trw");
    await userEvent.type(screen.getByLabelText("Üye kodunuz"), "m4tr-8kqz-w2pd");
    await userEvent.click(screen.getByRole("button", { name: "Bağla" }));
    expect(enrollDevice).toHaveBeenCalledWith("192.168.1.20:8787", "k7qx-m2hd-9trw", "m4tr-8kqz-w2pd");
    expect(await screen.findByRole("alert")).toHaveTextContent("Bu kayıt kodu daha önce kullanılmış.");
  });

  it("explains an unreachable server without alarm", async () => {
    syncState.mockImplementation(() => Promise.resolve(view("http://192.168.1.20:8787", "offline")));
    renderIn(<Sync />);
    expect(await screen.findByRole("alert")).toHaveTextContent("Sunucuya ulaşılamadı. Kayıtlar bu tablette güvende");
    expect(screen.getByText("2 değişiklik")).toBeInTheDocument();
  });

  it("says whether the tablet is safe to hand over, and what keeps it from being so", async () => {
    const base = view("https://lohusa.example.org");
    syncState.mockImplementation(() => Promise.resolve({ ...base, status: { ...base.status, pending: 2, drafts: 1 } }));
    renderIn(<Sync />);
    const notYet = await screen.findByTestId("hand-over");
    expect(notYet).toHaveAttribute("data-safe", "false");
    expect(notYet).toHaveTextContent("Henüz teslim edilemez");
    expect(notYet).toHaveTextContent("Henüz gönderilmemiş değişiklik: 2. Eşitleyin.");
    expect(notYet).toHaveTextContent("Taslak olarak saklanan ziyaret formu: 1, yalnızca bu tablette.");
  });

  it("says a tablet with everything on the server may be handed over", async () => {
    const base = view("https://lohusa.example.org");
    syncState.mockImplementation(() =>
      Promise.resolve({ ...base, status: { ...base.status, pending: 0, drafts: 0, safe_to_hand_over: true } }),
    );
    renderIn(<Sync />);
    const safe = await screen.findByTestId("hand-over");
    expect(safe).toHaveAttribute("data-safe", "true");
    expect(safe).toHaveTextContent("Teslim edilebilir: bu tablette kaydedilen her şey sunucuda onaylı.");
  });

  it("lists a change the server refused, what it was about and why", async () => {
    syncState.mockImplementation(() =>
      Promise.resolve({ ...view("http://192.168.1.20:8787"), status: { ...view("x").status, server: "x", quarantined: 1 } }),
    );
    refusedChanges.mockImplementation(() =>
      Promise.resolve([{ entity: "mother", mother_name: "Fatma Yılmaz", fields: ["phone"], reason: "other_team", at: "2026-11-25T10:00:00Z" }]),
    );
    renderIn(<Sync />);
    const item = await screen.findByText(/Fatma Yılmaz/);
    expect(item.closest("li")).toHaveTextContent("Fatma Yılmaz · Telefon: bu kayıt başka bir ekibin; bu ekip değiştiremez.");
    expect(screen.getByText(/1 değişikliği sunucu kabul etmedi/)).toBeInTheDocument();
  });

  it("shows both values of a conflict and keeps the chosen one", async () => {
    syncState.mockImplementation(() => Promise.resolve(view("http://127.0.0.1:8787")));
    conflicts.mockImplementation(() => Promise.resolve([conflict]));
    resolveConflict.mockImplementation(() => Promise.resolve());
    renderIn(<Conflicts />);
    expect(await screen.findByText("Fatma Yılmaz")).toBeInTheDocument();
    expect(screen.getByText(/Telefon/)).toBeInTheDocument();
    expect(screen.getByText("0555")).toBeInTheDocument();
    expect(screen.getByText("0532")).toBeInTheDocument();
    expect(document.querySelector(".conflict-other .meta")?.textContent).toMatch(/^Diğer değer · siz · /);
    expect(document.querySelector(".conflict-shown .meta")?.textContent).toMatch(/^Şu an görünen · Ebe Ayşe · /);
    await userEvent.click(screen.getAllByRole("button", { name: "Bunu tut" })[1]);
    expect(resolveConflict).toHaveBeenCalledWith("mother", conflict.entity_id, "phone", "0532");
  });

  it("lets only the team lead choose between conflicting values", async () => {
    syncState.mockImplementation(() => Promise.resolve(view("http://127.0.0.1:8787")));
    conflicts.mockImplementation(() => Promise.resolve([conflict]));
    render(
      <MemberContext.Provider value={{ id: me, name: "Ebe Ayşe", role: "nurse" }}>
        <NavContext.Provider value={{ route: { name: "conflicts" }, go: vi.fn() }}>
          <Conflicts />
        </NavContext.Provider>
      </MemberContext.Provider>,
    );
    expect(await screen.findByText("0555")).toBeInTheDocument();
    expect(screen.getByTestId("lead-only")).toHaveTextContent("yalnızca sorumlu hemşire seçim yapar");
    expect(screen.queryByRole("button", { name: "Bunu tut" })).toBeNull();
  });
});
