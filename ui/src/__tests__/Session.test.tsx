// Setting a tablet up and signing in: the PIN rules explained in place, wrong PINs counted with
// what follows, a lock that counts down, erasing only after a confirmation, in the UI language.
import { act, render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { beforeEach, describe, expect, it, vi } from "vitest";

import { setLanguage } from "../i18n";
import type { AppError, AppStatus, DeviceMember, MemberId } from "../ipc";
import { Setup } from "../screens/Setup";
import { SignIn } from "../screens/SignIn";

const setUpDevice = vi.fn<(server: string, code: string, memberCode: string, pin: string, again: string) => Promise<AppStatus>>();
const signIn = vi.fn<(member: MemberId, pin: string) => Promise<AppStatus>>();
const eraseDevice = vi.fn<() => Promise<AppStatus>>();
const appStatus = vi.fn<() => Promise<AppStatus>>();

vi.mock("../ipc", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../ipc")>();
  return {
    ...actual,
    ipc: {
      ...actual.ipc,
      setUpDevice: (server: string, code: string, memberCode: string, pin: string, again: string) => setUpDevice(server, code, memberCode, pin, again),
      signIn: (member: MemberId, pin: string) => signIn(member, pin),
      eraseDevice: () => eraseDevice(),
      appStatus: () => appStatus(),
    },
  };
});

const derya: DeviceMember = { id: "01a21380-1072-7632-9b3f-5f3d9368af93", name: "Ebe Derya", role: "nurse", locked_until_ms: null };
const ece: DeviceMember = { id: "01a21380-1072-7632-9b3f-5f3d9368af94", name: "Dr. Ece Tan", role: "doctor", locked_until_ms: null };

function status(phase: AppStatus["phase"], members: DeviceMember[] = [], notice: AppStatus["notice"] = null): AppStatus {
  return {
    phase,
    members,
    member: null,
    enrolled: false,
    sync_only: null,
    notice,
    setup_defaults: phase === "setup" ? { server: "http://127.0.0.1:8787", code: "K7QX-M2HD-9TRW", member_code: "" } : null,
    enrolled_waiting_member: false,
    lock_after_minutes: 5,
    today: "2026-11-26",
    version: "0.1.0",
  };
}

const validation = (field: string, rule: string, params: Record<string, string> = {}): AppError =>
  ({ kind: "validation", message: "invalid", code: null, errors: [{ field, rule, params }] }) as AppError;

describe("setup and sign-in", () => {
  beforeEach(() => {
    setUpDevice.mockReset();
    signIn.mockReset();
    eraseDevice.mockReset();
    appStatus.mockReset();
    appStatus.mockImplementation(() => new Promise(() => undefined));
    act(() => setLanguage("tr"));
  });

  it("sets a tablet up with the server's codes and a PIN, explaining a refused PIN in place", async () => {
    setUpDevice.mockImplementationOnce(() => Promise.reject(validation("pin", "pin_too_simple")));
    const open = { ...status("open"), members: [derya] };
    setUpDevice.mockImplementationOnce(() => Promise.resolve(open));
    const done = vi.fn();
    render(<Setup status={status("setup")} onDone={done} />);
    expect(screen.getByLabelText("Sunucu adresi")).toHaveValue("http://127.0.0.1:8787");
    await userEvent.type(screen.getByLabelText("Üye kodunuz"), "m4tr-8kqz-w2pd");
    await userEvent.type(screen.getByLabelText("Bir PIN seçin"), "123456");
    await userEvent.type(screen.getByLabelText("Aynı PIN'i tekrar yazın"), "123456");
    await userEvent.click(screen.getByRole("button", { name: "Kur" }));
    expect(await screen.findByText("PIN: tahmin etmesi çok kolay (aynı rakam ya da 123456 gibi bir sıra)")).toBeInTheDocument();
    expect(done).not.toHaveBeenCalled();
    await userEvent.clear(screen.getByLabelText("Bir PIN seçin"));
    await userEvent.type(screen.getByLabelText("Bir PIN seçin"), "482915");
    await userEvent.clear(screen.getByLabelText("Aynı PIN'i tekrar yazın"));
    await userEvent.type(screen.getByLabelText("Aynı PIN'i tekrar yazın"), "482915");
    await userEvent.click(screen.getByRole("button", { name: "Kur" }));
    expect(setUpDevice).toHaveBeenLastCalledWith("http://127.0.0.1:8787", "K7QX-M2HD-9TRW", "m4tr-8kqz-w2pd", "482915", "482915");
    expect(done).toHaveBeenCalledWith(open);
  });

  it("asks only the member code again once the tablet is enrolled and the code was refused", async () => {
    const unknown: AppError = { kind: "sync", code: "member_code_unknown", message: "unknown", errors: [] };
    setUpDevice.mockImplementationOnce(() => Promise.reject(unknown));
    appStatus.mockImplementation(() => Promise.resolve({ ...status("setup"), enrolled_waiting_member: true }));
    render(<Setup status={status("setup")} onDone={vi.fn()} />);
    await userEvent.type(screen.getByLabelText("Üye kodunuz"), "AAAA-BBBB-CCCC");
    await userEvent.type(screen.getByLabelText("Bir PIN seçin"), "482915");
    await userEvent.type(screen.getByLabelText("Aynı PIN'i tekrar yazın"), "482915");
    await userEvent.click(screen.getByRole("button", { name: "Kur" }));
    expect(await screen.findByTestId("enrolled-waiting")).toHaveTextContent("yalnızca üye kodunuz kabul edilmedi");
    expect(screen.getByRole("alert")).toHaveTextContent("Bu üye kodu tanınmıyor.");
    expect(screen.queryByLabelText("Sunucu adresi")).toBeNull();
    expect(screen.queryByLabelText("Kayıt kodu")).toBeNull();
  });

  it("says how many wrong PINs are left, then counts down a lock", async () => {
    signIn.mockImplementationOnce(() => Promise.reject(validation("pin", "wrong_pin", { failures: "3" })));
    signIn.mockImplementationOnce(() => Promise.reject(validation("pin", "wrong_pin", { failures: "4", seconds: "30" })));
    render(<SignIn status={status("locked", [derya, ece])} onDone={vi.fn()} />);
    expect(screen.queryByLabelText(/PIN/)).toBeNull();
    await userEvent.click(screen.getByRole("button", { name: /Dr. Ece Tan/ }));
    await userEvent.type(screen.getByLabelText("Dr. Ece Tan için PIN"), "000000{Enter}");
    expect(signIn).toHaveBeenCalledWith(ece.id, "000000");
    expect(await screen.findByText(/Bu PIN doğru değil \(üst üste 3 yanlış\)\. 7 yanlış PIN daha/)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText("Dr. Ece Tan için PIN"), "111112{Enter}");
    expect(await screen.findByText(/Çok fazla yanlış PIN\. (30|29) saniye sonra/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Aç" })).toBeDisabled();
  });

  it("says in Arabic why the app locked, and erases only after a confirmation", async () => {
    act(() => setLanguage("ar"));
    eraseDevice.mockImplementation(() => Promise.resolve(status("setup")));
    const done = vi.fn();
    render(<SignIn status={status("locked", [derya], "idle")} onDone={done} />);
    expect(screen.getByTestId("notice")).toHaveTextContent("قُفل بعد 5 دقائق دون استخدام.");
    await userEvent.click(screen.getByText("نسيت رمزك السري؟"));
    await userEvent.click(screen.getByRole("button", { name: "مسح هذا الجهاز" }));
    expect(eraseDevice).not.toHaveBeenCalled();
    expect(screen.getByRole("alertdialog")).toHaveTextContent("السجلات التي لم تُزامن بعد تضيع نهائياً");
    await userEvent.click(screen.getAllByRole("button", { name: "مسح هذا الجهاز" }).at(-1)!);
    expect(eraseDevice).toHaveBeenCalled();
    expect(done).toHaveBeenCalledWith(status("setup"));
  });
});
