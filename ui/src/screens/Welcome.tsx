// First start on a device: who is using it. On an enrolled tablet she signs in with the one-time
// member code from the team lead (the server says her name and role); before enrollment she
// gives her name, and signs in with her code once the tablet is connected.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../components/Field";
import { ipc, toAppError, type AppError, type LocalMember } from "../ipc";
import { errorsByField, generalMessage } from "../lib/errors";

/** How often the screen checks whether the tablet got enrolled meanwhile (at start-up). */
const ENROLLMENT_CHECK_MS = 1000;

export function Welcome({ enrolled, onDone }: { enrolled: boolean; onDone: (member: LocalMember) => void }) {
  const [isEnrolled, setEnrolled] = useState(enrolled);

  useEffect(() => {
    if (isEnrolled) return;
    const timer = setInterval(() => {
      ipc.appStatus().then(
        (status) => {
          if (status.member) onDone(status.member);
          else if (status.enrolled) setEnrolled(true);
        },
        () => undefined,
      );
    }, ENROLLMENT_CHECK_MS);
    return () => clearInterval(timer);
  }, [isEnrolled, onDone]);

  return <main className="screen welcome">{isEnrolled ? <MemberCode onDone={onDone} /> : <Name onDone={onDone} />}</main>;
}

function MemberCode({ onDone }: { onDone: (member: LocalMember) => void }) {
  const { t } = useTranslation();
  const [code, setCode] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = errorsByField(t, error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      onDone(await ipc.claimMember(code));
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card narrow" onSubmit={submit}>
      <h1>{t("welcome.title")}</h1>
      <p>{t("welcome.code_body")}</p>
      <TextField name="member_code" label={t("welcome.code")} hint={t("welcome.code_hint")} value={code} onChange={(v) => { setCode(v); setError(null); }} error={errors.member_code} autoFocus />
      {error && error.kind !== "validation" ? (
        <p className="banner banner-error" role="alert">
          {generalMessage(t, error)}
        </p>
      ) : null}
      <button type="submit" className="primary" name="claim" disabled={busy}>
        {busy ? t("welcome.claiming") : t("welcome.claim")}
      </button>
    </form>
  );
}

function Name({ onDone }: { onDone: (member: LocalMember) => void }) {
  const { t } = useTranslation();
  const [name, setName] = useState("");
  const [error, setError] = useState<string | undefined>();

  async function submit(e: FormEvent) {
    e.preventDefault();
    try {
      onDone(await ipc.setMemberName(name));
    } catch (err) {
      const app = toAppError(err);
      setError(errorsByField(t, app)["name"] ?? t("common.error_storage"));
    }
  }

  return (
    <form className="card narrow" onSubmit={submit}>
      <h1>{t("welcome.title")}</h1>
      <p>{t("welcome.body")}</p>
      <TextField name="member_name" label={t("welcome.name")} value={name} onChange={setName} error={error} autoFocus dir="auto" />
      <p className="hint">{t("welcome.later_code")}</p>
      <button type="submit" className="primary" name="start">
        {t("welcome.save")}
      </button>
    </form>
  );
}
