// The locked app: a member of this tablet picks her name and types her PIN. Wrong PINs are
// counted on the tablet; after a few she waits, longer each time, and after ten she must be
// added again with a new member code. A tablet no one can open any more can be erased.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../components/Field";
import { ipc, toAppError, type AppError, type AppStatus, type DeviceMember } from "../ipc";
import { generalMessage } from "../lib/errors";

/** Wrong PINs after which a member is removed from the tablet (as the Rust side counts). */
const MAX_FAILURES = 10;

export function SignIn({ status, onDone }: { status: AppStatus; onDone: (status: AppStatus) => void }) {
  const { t } = useTranslation();
  const [chosen, setChosen] = useState<DeviceMember | null>(status.members.length === 1 ? status.members[0] : null);
  const [pin, setPin] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [erasing, setErasing] = useState(false);
  const [now, setNow] = useState(() => Date.now());

  // Counts down a lock after wrong PINs.
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!chosen) return;
    setBusy(true);
    try {
      onDone(await ipc.signIn(chosen.id, pin));
    } catch (err) {
      const app = toAppError(err);
      setError(app);
      setPin("");
      if (app.kind === "validation") {
        const until = app.errors[0]?.params?.seconds;
        if (until) setChosen({ ...chosen, locked_until_ms: Date.now() + Number(until) * 1000 });
      } else if (app.kind === "locked") {
        onDone(await ipc.appStatus());
      }
    } finally {
      setBusy(false);
    }
  }

  async function erase() {
    onDone(await ipc.eraseDevice());
  }

  const pinError = error?.kind === "validation" ? error.errors[0] : undefined;
  const waitSeconds = chosen?.locked_until_ms ? Math.ceil((chosen.locked_until_ms - now) / 1000) : 0;
  const failures = Number(pinError?.params?.failures ?? 0);
  const message =
    waitSeconds > 0
      ? t("sign_in.wait", { seconds: waitSeconds })
      : pinError?.rule === "wrong_pin"
        ? t("sign_in.wrong", { failures, left: MAX_FAILURES - failures })
        : pinError?.rule === "required"
          ? t("sign_in.pin_required")
          : undefined;

  return (
    <main className="screen welcome sign-in">
      <form className="card narrow" onSubmit={submit} noValidate>
        <h1>{t("sign_in.title")}</h1>
        {status.notice ? (
          <p className="banner banner-warning" role="status" data-testid="notice">
            {t(`sign_in.notice.${status.notice}`, { minutes: status.lock_after_minutes })}
          </p>
        ) : null}
        <p>{t("sign_in.body")}</p>
        <div className="member-choice" role="group" aria-label={t("sign_in.who")}>
          {status.members.map((m) => (
            <button
              type="button"
              key={m.id}
              name={`member_${m.id}`}
              aria-pressed={chosen?.id === m.id}
              className={chosen?.id === m.id ? "member-button active" : "member-button"}
              onClick={() => {
                setChosen(m);
                setError(null);
                setPin("");
              }}
            >
              <span dir="auto">{m.name}</span>
              <span className="role">{t(m.role ? `roles.${m.role}` : "roles.unconfirmed")}</span>
            </button>
          ))}
        </div>
        {chosen ? (
          <>
            <TextField
              name="pin"
              type="password"
              inputMode="numeric"
              label={t("sign_in.pin", { name: chosen.name })}
              value={pin}
              onChange={(v) => {
                setPin(v);
                setError(null);
              }}
              error={message}
              autoFocus
            />
            <button type="submit" className="primary" name="sign_in" disabled={busy || waitSeconds > 0}>
              {busy ? t("sign_in.busy") : t("sign_in.submit")}
            </button>
          </>
        ) : null}
        {error && error.kind !== "validation" ? (
          <p className="banner banner-error" role="alert">
            {error.kind === "locked" ? t(`sign_in.notice.${error.code}`, { defaultValue: t("common.error_storage") }) : generalMessage(t, error)}
          </p>
        ) : null}
        <details className="forgot">
          <summary>{t("sign_in.forgot")}</summary>
          <p>{t("sign_in.forgot_body")}</p>
          {erasing ? (
            <div className="confirm" role="alertdialog" aria-label={t("sign_in.erase")}>
              <p>{t("sign_in.erase_confirm")}</p>
              <button type="button" className="danger" name="erase_confirm" onClick={erase}>
                {t("sign_in.erase")}
              </button>
              <button type="button" name="erase_cancel" onClick={() => setErasing(false)}>
                {t("common.cancel")}
              </button>
            </div>
          ) : (
            <button type="button" name="erase" onClick={() => setErasing(true)}>
              {t("sign_in.erase")}
            </button>
          )}
        </details>
      </form>
    </main>
  );
}
