// Recording a home visit: outcome, date, time, who visited, and the checklist rendered from its
// definition. A visit already recorded opens read-only, with the definition it was filled with.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ChecklistForm } from "../components/ChecklistForm";
import { ChoiceButtons, DateField, TextField } from "../components/Field";
import { FormActions, FormErrorBanner, LoadFailed, Loading } from "../components/ScreenState";
import { FlagList } from "../components/FlagList";
import { StatusBadge } from "../components/StatusBadge";
import {
  ipc,
  toAppError,
  type AppError,
  type ChecklistDefinition,
  type MotherId,
  type MotherView,
  type VisitNumber,
  type VisitOutcome,
} from "../ipc";
import { nowTime, numericDate, shortDate } from "../lib/dates";
import { errorsByField } from "../lib/errors";
import { useNav } from "../lib/nav";
import { useSave } from "../lib/useSave";

const OUTCOMES: VisitOutcome[] = ["visited", "not_at_home", "moved", "refused", "hospitalised"];

export function Visit({ motherId, number, memberName }: { motherId: MotherId; number: VisitNumber; memberName: string }) {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const [view, setView] = useState<MotherView | null>(null);
  const [definition, setDefinition] = useState<ChecklistDefinition | null>(null);
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const [outcome, setOutcome] = useState<VisitOutcome>("visited");
  const [visitedOn, setVisitedOn] = useState("");
  const [visitedAt, setVisitedAt] = useState(nowTime);
  const [visitedBy, setVisitedBy] = useState(memberName);
  const [note, setNote] = useState("");
  const [answers, setAnswers] = useState<Record<string, string>>({});

  useEffect(() => {
    (async () => {
      try {
        const v = await ipc.mother(motherId);
        const card = v.cards.find((c) => c.window.number === number);
        const recorded = card?.visit?.outcome === "visited" ? card.visit : null;
        setDefinition(await ipc.checklist(recorded ? recorded.checklist_version : null));
        setVisitedOn(numericDate(v.today));
        if (recorded) {
          setAnswers(Object.fromEntries(Object.entries(recorded.answers).map(([k, value]) => [k, String(value)])));
        }
        setView(v);
      } catch (e) {
        setLoadError(toAppError(e));
      }
    })();
  }, [motherId, number]);

  const { submit, error, saving, dismiss } = useSave(
    () =>
      ipc.recordVisit({
        mother_id: motherId,
        number,
        outcome,
        visited_on: visitedOn,
        visited_at: visitedAt,
        visited_by: visitedBy,
        note,
        answers: outcome === "visited" ? Object.fromEntries(Object.entries(answers).filter(([, v]) => v.trim() !== "")) : {},
      }),
    () => go({ name: "mother", id: motherId, notice: t("visit.saved", { number }) }),
  );

  if (loadError) return <LoadFailed error={loadError} />;
  if (!view || !definition) return <Loading />;

  const lang = i18n.language;
  const card = view.cards.find((c) => c.window.number === number)!;
  // Only a visit that happened is shown read-only; after a failed attempt the form opens again.
  const recorded = card.visit?.outcome === "visited" ? card.visit : null;
  const errors = errorsByField(t, error);

  const header = (
    <header className="screen-header">
      <h1>
        {t("visit.title", { number })} · <span dir="auto">{view.mother.full_name}</span>
      </h1>
      <p className="subtitle">
        {t("mother.window", {
          first: card.first_day,
          last: card.last_day,
          from: shortDate(card.window.opens_on, lang),
          to: shortDate(card.window.closes_on, lang),
        })}{" "}
        <StatusBadge status={card.status} />
      </p>
    </header>
  );

  if (recorded) {
    return (
      <main className="screen visit visit-readonly">
        {header}
        {card.flags.length > 0 ? (
          <section className="card">
            <h2>{t("flags.title")}</h2>
            <FlagList flags={card.flags} babies={view.babies} />
          </section>
        ) : null}
        <section className="card">
          <dl className="details">
            <div className="detail"><dt>{t("fields.visit.outcome")}</dt><dd>{t(`options.outcome.${recorded.outcome}`)}</dd></div>
            <div className="detail"><dt>{t("fields.visit.visited_on")}</dt><dd>{numericDate(recorded.visited_on)} {recorded.visited_at?.slice(0, 5) ?? ""}</dd></div>
            <div className="detail"><dt>{t("fields.visit.visited_by")}</dt><dd dir="auto">{recorded.visited_by}</dd></div>
            {recorded.note ? <div className="detail"><dt>{t("fields.visit.note")}</dt><dd dir="auto">{recorded.note}</dd></div> : null}
          </dl>
        </section>
        {recorded.outcome === "visited" ? (
          <ChecklistForm definition={definition} visit={number} babies={view.babies} values={answers} readOnly />
        ) : null}
        <p className="footnote">{t("visit.checklist_version", { version: recorded.checklist_version })}</p>
        <div className="form-actions">
          <button type="button" className="secondary" onClick={() => go({ name: "mother", id: motherId })}>
            {t("common.back")}
          </button>
        </div>
      </main>
    );
  }

  return (
    <main className="screen visit">
      {header}
      <form onSubmit={submit} noValidate>
        <FormErrorBanner error={error} />
        <section className="card">
          <ChoiceButtons
            name="outcome"
            label={t("fields.visit.outcome")}
            value={outcome}
            options={OUTCOMES.map((o) => ({ value: o, label: t(`options.outcome.${o}`) }))}
            onChange={(v) => setOutcome(v ?? "visited")}
          />
          <div className="field-grid">
            <DateField name="visited_on" label={t("fields.visit.visited_on")} value={visitedOn} onChange={(v) => { dismiss("visited_on"); setVisitedOn(v); }} error={errors["visited_on"]} />
            <TextField name="visited_at" type="time" label={t("fields.visit.visited_at")} value={visitedAt} onChange={(v) => { dismiss("visited_at"); setVisitedAt(v); }} error={errors["visited_at"]} />
            <TextField name="visited_by" label={t("fields.visit.visited_by")} value={visitedBy} onChange={(v) => { dismiss("visited_by"); setVisitedBy(v); }} error={errors["visited_by"]} dir="auto" />
          </div>
          {errors["number"] ? <p className="field-error" role="alert">{errors["number"]}</p> : null}
        </section>
        {outcome === "visited" ? (
          <ChecklistForm
            definition={definition}
            visit={number}
            babies={view.babies}
            values={answers}
            errors={errors}
            onChange={(key, value) => {
              dismiss(`answers.${key}`);
              setAnswers((a) => ({ ...a, [key]: value }));
            }}
          />
        ) : null}
        <section className="card">
          <TextField name="note" label={t("fields.visit.note")} value={note} onChange={setNote} error={errors["note"]} dir="auto" />
        </section>
        <FormActions
          onCancel={() => go({ name: "mother", id: motherId })}
          saveName="save_visit"
          saveLabel={t("visit.save")}
          saving={saving}
        />
      </form>
    </main>
  );
}
