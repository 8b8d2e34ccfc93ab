// The team lead assigns every open case of a neighbourhood to one nurse at once (a nurse who
// takes over an area, or covers for one who is away); each mother's assignment keeps its history.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, type KnownMember, type MemberId } from "../ipc";
import { useSave } from "../lib/useSave";
import { SelectField, TextField } from "./Field";
import { FormErrorBanner } from "./ScreenState";

export function AssignArea() {
  const { t } = useTranslation();
  const [members, setMembers] = useState<KnownMember[]>([]);
  const [neighbourhood, setNeighbourhood] = useState("");
  const [to, setTo] = useState<string | null>(null);
  const [done, setDone] = useState<{ found: number; changed: number } | null>(null);
  useEffect(() => {
    ipc.knownMembers().then(setMembers, () => setMembers([]));
  }, []);
  const { submit, error, saving } = useSave(
    async () => {
      const mothers = await ipc.openCasesIn(neighbourhood);
      const changed = mothers.length === 0 || to === null ? 0 : await ipc.assignMothers(mothers, to as MemberId);
      return { found: mothers.length, changed };
    },
    setDone,
  );
  return (
    <section className="card assign-area" aria-labelledby="assign-area-title" data-testid="assign-area">
      <h2 id="assign-area-title">{t("office.assign.title")}</h2>
      <p className="subtitle">{t("office.assign.help")}</p>
      <form onSubmit={submit} noValidate>
        <FormErrorBanner error={error} />
        <div className="field-grid">
          <TextField name="assign_neighbourhood" label={t("fields.mother.neighbourhood")} value={neighbourhood} onChange={(v) => { setNeighbourhood(v); setDone(null); }} dir="auto" />
          <SelectField
            name="assign_area_to"
            label={t("case.assign_to")}
            placeholder={t("options.choose")}
            value={to}
            options={members.map((m) => ({ value: m.id as string, label: m.name }))}
            onChange={(v) => { setTo(v); setDone(null); }}
          />
        </div>
        {done ? (
          <p role="status" data-testid="assign-area-done">
            {t("office.assign.done", { found: done.found, changed: done.changed })}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" name="assign_area" disabled={saving || neighbourhood.trim() === "" || to === null}>
            {t("office.assign.save")}
          </button>
        </div>
      </form>
    </section>
  );
}
