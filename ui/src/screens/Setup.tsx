// First start on a device: set it up with the team's server (enrollment code, the member's own
// code, a PIN she chooses), or without a server for now (her name and a PIN). The PIN seals the
// key of the tablet's encrypted records.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../components/Field";
import { PinFields } from "../components/PinFields";
import { ipc, type AppStatus } from "../ipc";
import { errorsByField, generalMessage } from "../lib/errors";
import { useSave } from "../lib/useSave";

export function Setup({ status, onDone }: { status: AppStatus; onDone: (status: AppStatus) => void }) {
  const { t } = useTranslation();
  // Codes given at start are for a first setup, not for one after a revocation (they were used).
  const defaults = status.notice === "revoked_erased" ? null : status.setup_defaults;
  const [withServer, setWithServer] = useState(true);
  const [server, setServer] = useState(defaults?.server ?? "");
  const [code, setCode] = useState(defaults?.code ?? "");
  const [memberCode, setMemberCode] = useState(defaults?.member_code ?? "");
  const [name, setName] = useState("");
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  // Enrolled already, but the member code was refused: only the member code is asked again.
  const [enrolled, setEnrolled] = useState(status.enrolled_waiting_member);
  const { submit, error, saving: busy, dismiss } = useSave(async () => {
    try {
      return withServer ? await ipc.setUpDevice(server, code, memberCode, pin, again) : await ipc.setUpOffline(name, pin, again);
    } catch (err) {
      ipc.appStatus().then((next) => setEnrolled(next.enrolled_waiting_member), () => undefined);
      throw err;
    }
  }, onDone);
  const errors = errorsByField(t, error);
  const edit = (set: (v: string) => void, field: string) => (v: string) => {
    set(v);
    dismiss(field);
  };

  return (
    <main className="screen welcome">
      <form className="card narrow" onSubmit={submit} noValidate>
        <h1>{t("setup.title")}</h1>
        {status.notice === "revoked_erased" ? (
          <p className="banner banner-warning" role="status" data-testid="notice">{t("setup.revoked_erased")}</p>
        ) : null}
        {withServer && enrolled ? null : <p>{withServer ? t("setup.body_server") : t("setup.body_offline")}</p>}
        <div className="segmented" role="group" aria-label={t("setup.how")}>
          <button type="button" name="with_server" aria-pressed={withServer} className={withServer ? "active" : ""} onClick={() => setWithServer(true)}>
            {t("setup.with_server")}
          </button>
          <button type="button" name="without_server" aria-pressed={!withServer} className={withServer ? "" : "active"} onClick={() => setWithServer(false)}>
            {t("setup.without_server")}
          </button>
        </div>
        {withServer && enrolled ? (
          <>
            <p className="banner banner-info" role="status" data-testid="enrolled-waiting">{t("setup.enrolled_waiting")}</p>
            <TextField name="member_code" label={t("sync.enroll.member_code")} hint={t("sync.enroll.member_code_hint")} value={memberCode} onChange={edit(setMemberCode, "member_code")} error={errors.member_code} />
          </>
        ) : withServer ? (
          <>
            <TextField name="server" label={t("sync.enroll.server")} hint={t("sync.enroll.server_hint")} value={server} onChange={edit(setServer, "server")} error={errors.server} />
            <TextField name="code" label={t("sync.enroll.code")} hint={t("sync.enroll.code_hint")} value={code} onChange={edit(setCode, "code")} error={errors.code} />
            <TextField name="member_code" label={t("sync.enroll.member_code")} hint={t("sync.enroll.member_code_hint")} value={memberCode} onChange={edit(setMemberCode, "member_code")} error={errors.member_code} />
          </>
        ) : (
          <TextField name="member_name" label={t("welcome.name")} value={name} onChange={edit(setName, "name")} error={errors.name} dir="auto" />
        )}
        <PinFields pin={pin} again={again} onPin={edit(setPin, "pin")} onAgain={edit(setAgain, "pin_again")} errors={errors} />
        <p className="hint">{t("setup.pin_explained")}</p>
        {error && error.kind !== "validation" ? (
          <p className="banner banner-error" role="alert">
            {generalMessage(t, error)}
          </p>
        ) : null}
        <button type="submit" className="primary" name="set_up" disabled={busy}>
          {busy ? t("setup.busy") : t("setup.submit")}
        </button>
      </form>
    </main>
  );
}
