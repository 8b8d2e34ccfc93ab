// The case card on the mother's screen: the nurse she is assigned to (and reassigning her), and
// closing her case with a reason and a date, or reopening it. Both keep their history.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, CLOSE_REASON_VALUES, type CloseReason, type KnownMember, type MemberId, type MotherView } from "../ipc";
import { numericDate } from "../lib/dates";
import { errorsByField } from "../lib/errors";
import { useSave } from "../lib/useSave";
import { DateField, SelectField } from "./Field";
import { FormErrorBanner } from "./ScreenState";

const REASONS = CLOSE_REASON_VALUES;
const NOBODY = "nobody";

export function CaseCard({ view, onChanged, onHistory }: { view: MotherView; onChanged: (view: MotherView) => void; onHistory: (fields: string[]) => void }) {
  const { t } = useTranslation();
  const { mother, case: c } = view;
  const [members, setMembers] = useState<KnownMember[]>([]);
  const [assigning, setAssigning] = useState(false);
  const [assignee, setAssignee] = useState<string | null>(c.assigned_to ?? NOBODY);
  const [closing, setClosing] = useState(false);
  const [closedOn, setClosedOn] = useState(numericDate(view.today));
  const [reason, setReason] = useState<CloseReason | null>(null);
  useEffect(() => {
    ipc.knownMembers().then(setMembers, () => setMembers([]));
  }, []);

  const reload = () => ipc.mother(mother.id).then(onChanged);
  const assign = useSave(
    () => ipc.assignMothers([mother.id], assignee === NOBODY ? null : (assignee as MemberId)),
    () => {
      setAssigning(false);
      void reload();
    },
  );
  const close = useSave(
    () => ipc.closeCase(mother.id, { closed_on: closedOn, reason }),
    (next) => {
      setClosing(false);
      onChanged(next);
    },
  );
  const reopen = useSave(() => ipc.reopenCase(mother.id), onChanged);
  const errors = errorsByField(t, close.error);

  return (
    <section className="card case-card" data-testid="case" data-closed={c.closed_on ? "true" : "false"}>
      <h2>{t("case.title")}</h2>
      <dl className="details">
        <div className="detail" data-name="assigned_to">
          <dt>{t("case.assigned_to")}</dt>
          <dd dir="auto" data-testid="assigned-to">
            {c.assigned_name ?? (c.assigned_to ? t("case.someone") : t("case.nobody"))}
            <button type="button" className="link history-link" name="history_assigned_to" onClick={() => onHistory(["assigned_to"])}>
              {t("history.show")}
            </button>
          </dd>
        </div>
        {c.closed_on ? (
          <div className="detail" data-name="closed">
            <dt>{t("case.closed")}</dt>
            <dd className="closed">
              {t("case.closed_because", { date: numericDate(c.closed_on), reason: t(`case.reasons.${c.closed_reason ?? "moved_away"}`) })}
              <button type="button" className="link history-link" name="history_closed" onClick={() => onHistory(["closed_on", "closed_reason"])}>
                {t("history.show")}
              </button>
            </dd>
          </div>
        ) : null}
      </dl>
      {assigning ? (
        <form onSubmit={assign.submit} noValidate>
          <FormErrorBanner error={assign.error} />
          <SelectField
            name="assign_to"
            label={t("case.assign_to")}
            placeholder={t("options.choose")}
            value={assignee}
            options={[{ value: NOBODY, label: t("case.nobody") }, ...members.map((m) => ({ value: m.id as string, label: m.name }))]}
            onChange={setAssignee}
          />
          <div className="form-actions">
            <button type="button" className="secondary" onClick={() => setAssigning(false)}>
              {t("common.cancel")}
            </button>
            <button type="submit" className="primary" name="save_assignment" disabled={assign.saving}>
              {t("case.assign_save")}
            </button>
          </div>
        </form>
      ) : null}
      {closing ? (
        <form onSubmit={close.submit} noValidate>
          <FormErrorBanner error={close.error} />
          <p className="subtitle">{t("case.close_help")}</p>
          <div className="field-grid">
            <DateField name="closed_on" label={t("case.closed_on")} value={closedOn} onChange={setClosedOn} error={errors["closed_on"]} />
            <SelectField
              name="closed_reason"
              label={t("case.reason")}
              placeholder={t("options.choose")}
              value={reason}
              options={REASONS.map((r) => ({ value: r, label: t(`case.reasons.${r}`) }))}
              onChange={setReason}
              error={errors["closed_reason"]}
            />
          </div>
          <div className="form-actions">
            <button type="button" className="secondary" onClick={() => setClosing(false)}>
              {t("common.cancel")}
            </button>
            <button type="submit" className="primary" name="save_closing" disabled={close.saving}>
              {t("case.close_save")}
            </button>
          </div>
        </form>
      ) : null}
      {!assigning && !closing ? (
        <div className="form-actions">
          <button type="button" className="secondary" name="assign" onClick={() => setAssigning(true)}>
            {t("case.assign")}
          </button>
          {c.closed_on ? (
            <button type="button" className="secondary" name="reopen_case" disabled={reopen.saving} onClick={(e) => void reopen.submit(e)}>
              {t("case.reopen")}
            </button>
          ) : (
            <button type="button" className="secondary" name="close_case" onClick={() => setClosing(true)}>
              {t("case.close")}
            </button>
          )}
        </div>
      ) : null}
    </section>
  );
}
