// The team lead's tools: members with roles and tablets, a new member's code shown once, a
// revocation only after a confirmation; none of it for a nurse.
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { IssuedCode, LocalMember, NewMember, TeamMember } from "../ipc";
import { Team } from "../components/Team";
import { MemberContext } from "../lib/member";
import { NavContext } from "../lib/nav";
import { Office } from "../screens/Office";

const teamMembers = vi.fn<() => Promise<TeamMember[]>>();
const addTeamMember = vi.fn<(m: NewMember) => Promise<IssuedCode>>();
const revokeTeamMember = vi.fn<(num: number) => Promise<void>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      teamMembers: () => teamMembers(),
      addTeamMember: (m: NewMember) => addTeamMember(m),
      revokeTeamMember: (num: number) => revokeTeamMember(num),
      teamDevices: () => new Promise(() => undefined),
      coverage: () => new Promise(() => undefined),
      syncState: () => new Promise(() => undefined),
      stock: () => new Promise(() => undefined),
      knownMembers: () => new Promise(() => undefined),
      programmeReport: () => new Promise(() => undefined),
    },
  };
});

const derya: TeamMember = { num: 1, id: "01a21380-1072-7632-9b3f-5f3d9368af93", name: "Ebe Derya", role: "nurse", active: true, devices: ["d1", "d2"] };
const sevgi: TeamMember = { num: 2, id: null, name: "Ebe Sevgi", role: "nurse", active: true, devices: [] };
const code: IssuedCode = { code: "M4TR-8KQZ-W2PD", expires_ms: Date.UTC(2026, 10, 29, 9, 30) };

describe("team", () => {
  beforeEach(() => {
    teamMembers.mockReset();
    addTeamMember.mockReset();
    revokeTeamMember.mockReset();
    act(() => setLanguage("tr"));
  });

  it("lists the members, adds one and shows her code once", async () => {
    teamMembers.mockImplementation(() => Promise.resolve([derya, sevgi]));
    addTeamMember.mockImplementation(() => Promise.resolve(code));
    render(<Team />);
    const row = await screen.findByText("Ebe Derya");
    expect(row.closest("tr")).toHaveTextContent("Ebe Deryahemşire / ebe2 tablette giriş yaptı");
    expect(screen.getByText("Ebe Sevgi").closest("tr")).toHaveTextContent("henüz giriş yapmadı");
    await userEvent.type(screen.getByLabelText("Ad"), "Psk. Selin Ak");
    await userEvent.selectOptions(screen.getByLabelText("Görev"), "psychologist");
    await userEvent.click(screen.getByRole("button", { name: "Ekle ve kodunu oluştur" }));
    expect(addTeamMember).toHaveBeenCalledWith({ name: "Psk. Selin Ak", role: "psychologist" });
    const box = await screen.findByTestId("issued-code");
    expect(box).toHaveTextContent("Psk. Selin Ak için tek kullanımlık üye kodu:M4TR-8KQZ-W2PD29.11.2026 12:30 tarihine kadar, bir kez geçerli");
  });

  it("revokes a member only after a confirmation", async () => {
    teamMembers.mockImplementation(() => Promise.resolve([derya]));
    revokeTeamMember.mockImplementation(() => Promise.resolve());
    render(<Team />);
    await userEvent.click(await screen.findByRole("button", { name: "Erişimi kaldır" }));
    expect(revokeTeamMember).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole("button", { name: "Şimdi kaldır" }));
    expect(revokeTeamMember).toHaveBeenCalledWith(1);
  });

  it("is not on a nurse's office screen", () => {
    const nurse: LocalMember = { id: derya.id!, name: "Ebe Derya", role: "nurse" };
    render(
      <MemberContext.Provider value={nurse}>
        <NavContext.Provider value={{ route: { name: "office" }, go: vi.fn() }}>
          <Office />
        </NavContext.Provider>
      </MemberContext.Provider>,
    );
    expect(screen.queryByTestId("team")).toBeNull();
    expect(teamMembers).not.toHaveBeenCalled();
  });
});
