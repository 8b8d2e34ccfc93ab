// The history of a record's fields, read from the change log: who changed what, when, on which
// device, from what to what, and why (for a corrected visit). Opened with one tap beside a field.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, toAppError, type AppError, type EntityKind, type FieldChange } from "../ipc";
import { formatNumber, intlLocale, isIsoDate, numericDate } from "../lib/dates";
import { fieldLabel } from "../lib/errors";
import { answerText } from "./ChecklistForm";

/** Where a stored field's options are translated. */
const OPTIONS: Record<string, string> = {
  residency_status: "options.residency_status",
  preferred_language: "options.language",
  mode: "options.mode",
  sex: "options.sex",
  outcome: "options.outcome",
};

/** Text someone typed (a name, a reason) kept in its own direction inside a sentence: Turkish in
 * an Arabic line keeps its word order. */
function isolated(text: string): string {
  return `\u2068${text}\u2069`;
}

/** The label of a stored field (`phone`, `birth_date`, `answers.mother.bp_systolic`). */
export function storedFieldLabel(t: (key: string, options?: Record<string, unknown>) => string, entity: EntityKind, field: string): string {
  if (field.startsWith("answers.")) return fieldLabel(t as never, field);
  const path = entity === "mother" || entity === "birth" ? `${entity}.${field}` : entity === "baby" ? `babies.0.${field}` : field;
  return fieldLabel(t as never, path);
}

/** The history of one record (`fields` of it, when given). With `onlyCorrections`, only the
 * changes after a field's first value: what a visit's corrections changed. */
export function HistoryPanel({
  entity,
  entityId,
  fields,
  onlyCorrections = false,
  onClose,
}: {
  entity: EntityKind;
  entityId: string;
  fields?: string[];
  onlyCorrections?: boolean;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const [changes, setChanges] = useState<FieldChange[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  useEffect(() => {
    ipc.history(entity, entityId).then(setChanges, (e) => setError(toAppError(e)));
  }, [entity, entityId]);

  const value = (field: string, v: unknown): string => {
    if (v === null || v === undefined || v === "") return t("history.empty");
    const option = OPTIONS[field];
    if (option && typeof v === "string") return t(`${option}.${v}`, { defaultValue: v });
    if (typeof v === "string" && isIsoDate(v)) return numericDate(v);
    if (typeof v === "number") return formatNumber(v, t("language_code"), 2);
    if (typeof v === "boolean") return t(v ? "checklist.yes" : "checklist.no");
    return answerText(v);
  };
  const shown = (changes ?? [])
    .filter((c) => (!fields || fields.includes(c.field)) && (!onlyCorrections || c.old !== null || c.reason !== null))
    .reverse();
  return (
    <div className="modal-backdrop">
      <section className="modal history" role="dialog" aria-modal="true" aria-labelledby="history-title" data-testid="history">
        <h2 id="history-title">
          {t("history.title")}
          {fields && fields.length === 1 ? ` · ${storedFieldLabel(t, entity, fields[0])}` : ""}
        </h2>
        {error ? <p className="field-error">{t("common.error_internal")}</p> : null}
        {changes === null && !error ? <p>{t("common.loading")}</p> : null}
        {changes !== null && shown.length === 0 ? <p>{t("history.none")}</p> : null}
        <ol className="history-list">
          {shown.map((c, i) => (
            <li key={`${c.field}-${c.at}-${i}`} data-field={c.field}>
              {!fields || fields.length > 1 ? <strong>{storedFieldLabel(t, entity, c.field)}: </strong> : null}
              {c.old === null ? (
                <span dir="auto" className="history-new">{t("history.first", { value: value(c.field, c.new) })}</span>
              ) : (
                <span dir="auto" className="history-change">
                  <del>{value(c.field, c.old)}</del> {t("history.arrow")} <ins>{value(c.field, c.new)}</ins>
                </span>
              )}
              <span className="footnote">
                {" "}
                {t("history.by", {
                  by: isolated(c.by ?? t("history.someone")),
                  when: new Date(c.at).toLocaleString(intlLocale(i18n.language), { dateStyle: "short", timeStyle: "short" }),
                  device: c.device.slice(-6),
                })}
              </span>
              {c.reason ? <span className="history-reason" dir="auto">{t("history.reason", { reason: isolated(c.reason) })}</span> : null}
              {c.concurrent ? <span className="history-concurrent">{t("history.concurrent")}</span> : null}
            </li>
          ))}
        </ol>
        <div className="form-actions">
          <button type="button" className="primary" name="close_history" autoFocus onClick={onClose}>
            {t("common.close")}
          </button>
        </div>
      </section>
    </div>
  );
}
