// First start on a device: who is using it. Her name goes on every record she writes.
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../components/Field";
import { ipc, toAppError, type LocalMember } from "../ipc";
import { errorsByField } from "../lib/errors";

export function Welcome({ onDone }: { onDone: (member: LocalMember) => void }) {
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
    <main className="screen welcome">
      <form className="card narrow" onSubmit={submit}>
        <h1>{t("welcome.title")}</h1>
        <p>{t("welcome.body")}</p>
        <TextField name="member_name" label={t("welcome.name")} value={name} onChange={setName} error={error} autoFocus dir="auto" />
        <button type="submit" className="primary" name="start">
          {t("welcome.save")}
        </button>
      </form>
    </main>
  );
}
