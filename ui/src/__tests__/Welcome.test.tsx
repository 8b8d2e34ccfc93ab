// The first screen: on an enrolled tablet a member signs in with her one-time member code, and a
// refused code is explained in the UI language; before enrollment she gives her name.
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { AppError, LocalMember } from "../ipc";
import { Welcome } from "../screens/Welcome";

const claimMember = vi.fn<(code: string) => Promise<LocalMember>>();
const setMemberName = vi.fn<(name: string) => Promise<LocalMember>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      claimMember: (code: string) => claimMember(code),
      setMemberName: (name: string) => setMemberName(name),
      appStatus: () => new Promise(() => undefined),
    },
  };
});

const derya: LocalMember = { id: "01a21380-1072-7632-9b3f-5f3d9368af93", name: "Ebe Derya", role: "nurse" };

describe("welcome", () => {
  beforeEach(() => {
    claimMember.mockReset();
    setMemberName.mockReset();
    act(() => setLanguage("tr"));
  });

  it("signs a member in with her member code on an enrolled tablet", async () => {
    claimMember.mockImplementation(() => Promise.resolve(derya));
    const done = vi.fn();
    render(<Welcome enrolled onDone={done} />);
    expect(screen.queryByLabelText("Adınız ve unvanınız")).toBeNull();
    await userEvent.type(screen.getByLabelText("Üye kodunuz"), "m4tr-8kqz-w2pd");
    await userEvent.click(screen.getByRole("button", { name: "Giriş yap" }));
    expect(claimMember).toHaveBeenCalledWith("m4tr-8kqz-w2pd");
    expect(done).toHaveBeenCalledWith(derya);
  });

  it("explains a used member code in Arabic and stays on the screen", async () => {
    act(() => setLanguage("ar"));
    const used: AppError = { kind: "sync", code: "member_code_used", message: "used", errors: [] };
    claimMember.mockImplementation(() => Promise.reject(used));
    const done = vi.fn();
    render(<Welcome enrolled onDone={done} />);
    await userEvent.type(screen.getByLabelText("رمز العضوية"), "M4TR-8KQZ-W2PD");
    await userEvent.click(screen.getByRole("button", { name: "تسجيل الدخول" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("استُخدم رمز العضوية هذا من قبل.");
    expect(done).not.toHaveBeenCalled();
  });

  it("asks for her name before the tablet is enrolled", async () => {
    setMemberName.mockImplementation((name) => Promise.resolve({ ...derya, name, role: null }));
    const done = vi.fn();
    render(<Welcome enrolled={false} onDone={done} />);
    expect(screen.queryByLabelText("Üye kodunuz")).toBeNull();
    await userEvent.type(screen.getByLabelText("Adınız ve unvanınız"), "Ebe Derya");
    await userEvent.click(screen.getByRole("button", { name: "Başla" }));
    expect(done).toHaveBeenCalledWith({ ...derya, role: null });
  });
});
