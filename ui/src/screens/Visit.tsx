// Recording a home visit: outcome, date, time, who visited, and the checklist rendered from its
// definition. A visit already recorded opens read-only, with the definition it was filled with,
// and takes lab results that arrive later. Red flags raised by a save are shown at once, urgent
// ones in a box the nurse must acknowledge before she leaves the house. A form being filled is
// kept as a draft on the device as she types, so nothing is lost if the app is interrupted.
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { answerText, ChecklistForm, shownAnswers } from "../components/ChecklistForm";
import { ChoiceButtons, DateField, TextField } from "../components/Field";
import { FlagList } from "../components/FlagList";
import { HistoryPanel } from "../components/History";
import { FormActions, FormErrorBanner, LoadFailed, Loading } from "../components/ScreenState";
import { SelfScreening } from "../components/SelfScreening";
import { SignOff } from "../components/SignOff";
import { Trend } from "../components/Trend";
import { StatusBadge } from "../components/StatusBadge";
import { LANGUAGES, type UiLanguage } from "../i18n";
import {
  ipc,
  VISIT_OUTCOME_VALUES,
  toAppError,
  type AppError,
  type ChecklistDefinition,
  type Flag,
  type InstrumentText,
  type MotherId,
  type MotherView,
  type VisitNumber,
  type VisitInput,
  type VisitRecord,
} from "../ipc";
import { nowTime, numericDate, shortDate, timeOfDay } from "../lib/dates";
import { errorsByField } from "../lib/errors";
import { useNav } from "../lib/nav";
import { useSave } from "../lib/useSave";
import { useDraftKeeping, useVisitForm } from "./visitForm";

const OUTCOMES = VISIT_OUTCOME_VALUES;

/** Answers as the form holds them (text per key), from a recorded visit. */
function formValues(visit: VisitRecord | null): Record<string, string> {
  if (!visit) return {};
  return Object.fromEntries(Object.entries(visit.answers).map(([k, v]) => [k, answerText(v)]));
}

/** The visit screen: a window's visit (`number`), or the extra visit `extra` (with its checklist `number`). */
export function Visit({ motherId, number, memberName, extra }: { motherId: MotherId; number: VisitNumber; memberName: string; extra?: string }) {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const [view, setView] = useState<MotherView | null>(null);
  const [definition, setDefinition] = useState<ChecklistDefinition | null>(null);
  const [texts, setTexts] = useState<Record<string, InstrumentText | null>>({});
  const [loadError, setLoadError] = useState<AppError | null>(null);
  const form = useVisitForm(motherId, number, memberName);
  const { outcome, setOutcome, visitedOn, setVisitedOn, visitedAt, setVisitedAt, visitedBy, setVisitedBy, note, setNote, answers, setAnswers } = form;
  const { dirty, edit, fill, latest } = form;
  const [addingResults, setAddingResults] = useState(false);
  /** Correcting the recorded visit: the same form, filled with it, and a reason. */
  const [correcting, setCorrecting] = useState(false);
  const [reason, setReason] = useState("");
  const [showHistory, setShowHistory] = useState(false);
  const [notice, setNotice] = useState<string | null>(null);
  const [selfScreening, setSelfScreening] = useState<string | null>(null);
  /** Flags of the save just made, shown until the nurse acknowledges them. */
  const [raised, setRaised] = useState<{ flags: Flag[]; after: () => void } | null>(null);
  /** When the draft this form was restored from was kept. */
  const [restoredAt, setRestoredAt] = useState<string | null>(null);
  const load = useCallback(async () => {
    try {
      const v = await ipc.mother(motherId);
      const made = extra ? v.extra_visits.find((e) => e.record.id === extra)?.visit : v.cards.find((c) => c.window.number === number)?.visit;
      const recorded = made?.outcome === "visited" ? made : null;
      const d = await ipc.checklist(recorded ? recorded.checklist_version : null);
      setDefinition(d);
      setVisitedOn(numericDate(v.today));
      setAnswers(formValues(recorded));
      // Drafts are kept for a window's visit; an extra visit's form is short-lived.
      const draft = recorded || extra ? null : await ipc.visitDraft(motherId, number);
      if (draft) {
        fill({
          outcome: draft.input.outcome,
          visitedOn: draft.input.visited_on,
          visitedAt: draft.input.visited_at,
          visitedBy: draft.input.visited_by,
          note: draft.input.note,
          answers: draft.input.answers,
        });
        setRestoredAt(draft.saved_at);
      }
      setView(v);
    } catch (e) {
      setLoadError(toAppError(e));
    }
  }, [motherId, number, extra, setVisitedOn, setAnswers, fill]);

  useEffect(() => {
    void load();
  }, [load]);

  // Item texts in the staff's language, where this tablet has them.
  useEffect(() => {
    if (!definition) return;
    let live = true;
    void Promise.all(
      definition.instruments.map(async (i) => [i.id, await ipc.screeningText(i.id, i18n.language as UiLanguage).catch(() => null)] as const),
    ).then((pairs) => live && setTexts(Object.fromEntries(pairs)));
    return () => {
      live = false;
    };
  }, [definition, i18n.language]);

  const card = view?.cards.find((c) => c.window.number === number);
  const planned = extra ? view?.extra_visits.find((e) => e.record.id === extra) : undefined;
  const made = extra ? planned?.visit : card?.visit;
  // Only a visit that happened is shown read-only; after a failed attempt the form opens again.
  const recorded = made?.outcome === "visited" ? made : null;
  const shownFlags = (extra ? planned?.flags : card?.flags) ?? [];

  const showFlags = (flags: Flag[], after: () => void) => (flags.length > 0 ? setRaised({ flags, after }) : after());

  useDraftKeeping(form, !extra && !correcting);

  /** The form as typed, with only the answers of the questions it shows: what a save sends. */
  const shownForm = (typed: VisitInput): VisitInput => ({
    ...typed,
    answers: shownAnswers({ definition: definition!, visit: number, birth: view!.birth, babies: view!.babies, visitDate: typed.visited_on, values: typed.answers }, typed.answers),
  });

  const visitSave = useSave(
    () => {
      dirty.current = false;
      const sent = shownForm(latest.current);
      return extra ? ipc.recordExtraVisit(extra, sent) : ipc.recordVisit(sent);
    },
    (saved) =>
      showFlags(saved.flags, () =>
        go({ name: "mother", id: motherId, notice: extra ? t("extra.saved") : t("visit.saved", { number }) }),
      ),
  );

  const correctSave = useSave(
    () => {
      return ipc.correctVisit({ visit_id: recorded!.id, form: shownForm(latest.current), reason });
    },
    (saved) =>
      showFlags(saved.flags, () => {
        setCorrecting(false);
        setReason("");
        setNotice(t("visit.corrected"));
        void load();
      }),
  );

  const startCorrecting = (visit: VisitRecord) => {
    fill({
      outcome: visit.outcome,
      visitedOn: numericDate(visit.visited_on),
      visitedAt: visit.visited_at?.slice(0, 5) ?? "",
      visitedBy: visit.visited_by,
      note: visit.note ?? "",
      answers: formValues(visit),
    });
    setReason("");
    setNotice(null);
    setCorrecting(true);
  };

  const resultsSave = useSave(
    () => {
      const before = formValues(recorded);
      const shown = shownAnswers(
        { definition: definition!, visit: number, birth: view!.birth, babies: view!.babies, visitDate: recorded!.visited_on, values: answers, onlyLater: true },
        answers,
      );
      const changed = Object.fromEntries(Object.entries(shown).filter(([k, v]) => v.trim() !== "" && v !== (before[k] ?? "")));
      return ipc.recordLaterResults({ visit_id: recorded!.id, answers: changed });
    },
    (saved) => {
      setAddingResults(false);
      void load();
      // Only what the results raised anew; the flags already shown stay on the page.
      const before = shownFlags;
      const raisedNow = saved.flags.filter((f) => f.level === "urgent" && !before.some((b) => b.rule === f.rule && b.baby === f.baby));
      showFlags(raisedNow, () => {});
    },
  );

  if (loadError) return <LoadFailed error={loadError} />;
  if (!view || !definition || !card || (extra && !planned)) return <Loading />;

  const lang = i18n.language;
  const header = planned ? (
    <header className="screen-header">
      <h1>
        {t("extra.title")} · <span dir="auto">{view.mother.full_name}</span>
      </h1>
      <p className="subtitle">
        {t("extra.planned", { date: numericDate(planned.record.due_on), by: planned.record.ordered_by })}{" "}
        <span className={`badge badge-${planned.status}`}>{t(`extra.status.${planned.status}`)}</span>
      </p>
      <p className="extra-reason" dir="auto">{planned.record.reason}</p>
      <p className="footnote">{t("extra.checklist", { number })}</p>
    </header>
  ) : (
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

  const flagsDialog = raised ? (
    <div className="modal-backdrop">
      <section
        className={raised.flags.some((f) => f.level === "urgent") ? "modal urgent-dialog" : "modal"}
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="raised-title"
        data-testid="raised-flags"
      >
        <h2 id="raised-title">
          {raised.flags.some((f) => f.level === "urgent") ? t("flags.urgent_title") : t("flags.title")}
        </h2>
        <p>
          {raised.flags.some((f) => f.level === "urgent") ? t("flags.urgent_intro", { number }) : t("flags.saved_intro", { number })}
        </p>
        <FlagList flags={raised.flags} babies={view.babies} definition={definition} />
        <div className="form-actions">
          <button
            type="button"
            className="primary"
            name="acknowledge_flags"
            autoFocus
            onClick={() => {
              const after = raised.after;
              setRaised(null);
              after();
            }}
          >
            {t("flags.acknowledge")}
          </button>
        </div>
      </section>
    </div>
  ) : null;

  if (recorded && !correcting) {
    const hasLater = definition.sections.some((s) => s.later && s.visits.includes(number));
    const errors = errorsByField(t, resultsSave.error);
    const form = { definition, visit: number, birth: view.birth, babies: view.babies, visitDate: recorded.visited_on, values: answers };
    return (
      <main className="screen visit visit-readonly">
        {header}
        {notice ? <p className="banner banner-ok" role="status">{notice}</p> : null}
        {shownFlags.length > 0 ? (
          <section className="card">
            <h2>{t("flags.title")}</h2>
            <FlagList flags={shownFlags} babies={view.babies} definition={definition} />
          </section>
        ) : null}
        {!addingResults ? <Trend view={view} current={recorded.id} /> : null}
        {(shownFlags.some((f) => f.level !== "note") || view.reviews.some((r) => r.visit_id === recorded.id)) && !addingResults ? (
          <SignOff
            key={view.reviews.length}
            visit={recorded}
            flags={shownFlags}
            reviews={view.reviews}
            babies={view.babies}
            definition={definition}
            onSigned={() => void load()}
          />
        ) : null}
        {addingResults ? (
          <form onSubmit={resultsSave.submit} noValidate>
            <h2>{t("visit.results_title", { number })}</h2>
            <p className="subtitle">{t("visit.results_help")}</p>
            <FormErrorBanner error={resultsSave.error} />
            <ChecklistForm
              {...form}
              errors={errors}
              onlyLater
              onChange={(key, value) => {
                resultsSave.dismiss(`answers.${key}`);
                setAnswers((a) => ({ ...a, [key]: value }));
              }}
            />
            <FormActions
              onCancel={() => {
                setAddingResults(false);
                setAnswers(formValues(recorded));
              }}
              saveName="save_results"
              saveLabel={t("visit.results_save")}
              saving={resultsSave.saving}
            />
          </form>
        ) : (
          <>
            <section className="card">
              <dl className="details">
                <div className="detail"><dt>{t("fields.visit.outcome")}</dt><dd>{t(`options.outcome.${recorded.outcome}`)}</dd></div>
                <div className="detail"><dt>{t("fields.visit.visited_on")}</dt><dd>{numericDate(recorded.visited_on)} {recorded.visited_at?.slice(0, 5) ?? ""}</dd></div>
                <div className="detail"><dt>{t("fields.visit.visited_by")}</dt><dd dir="auto">{recorded.visited_by}</dd></div>
                {recorded.note ? <div className="detail"><dt>{t("fields.visit.note")}</dt><dd dir="auto">{recorded.note}</dd></div> : null}
              </dl>
            </section>
            <ChecklistForm {...form} screeningTexts={texts} readOnly />
            <p className="footnote">{t("visit.checklist_version", { version: recorded.checklist_version })}</p>
            <div className="form-actions">
              <button type="button" className="secondary" onClick={() => go({ name: "mother", id: motherId })}>
                {t("common.back")}
              </button>
              <button type="button" className="secondary" name="visit_history" onClick={() => setShowHistory(true)}>
                {t("history.corrections")}
              </button>
              <button type="button" className="secondary" name="correct_visit" onClick={() => startCorrecting(recorded)}>
                {t("visit.correct")}
              </button>
              {hasLater ? (
                <button type="button" className="primary" name="add_results" onClick={() => setAddingResults(true)}>
                  {t("visit.add_results")}
                </button>
              ) : null}
            </div>
          </>
        )}
        {showHistory ? <HistoryPanel entity="visit" entityId={recorded.id} onlyCorrections onClose={() => setShowHistory(false)} /> : null}
        {flagsDialog}
      </main>
    );
  }

  const { submit, error, saving, dismiss } = correcting ? correctSave : visitSave;
  const errors = errorsByField(t, error);
  const instrument = selfScreening ? definition.instruments.find((i) => i.id === selfScreening) : undefined;
  const preferred = view.mother.preferred_language;
  const motherLanguage: UiLanguage = (LANGUAGES as readonly string[]).includes(preferred) ? (preferred as UiLanguage) : (lang as UiLanguage);

  return (
    <main className="screen visit">
      {header}
      <form onSubmit={submit} noValidate>
        <FormErrorBanner error={error} />
        {correcting ? (
          <p className="banner banner-info" role="status" data-testid="correcting">
            {t("visit.correct_help")}
          </p>
        ) : null}
        {correcting ? (
          <section className="card">
            <TextField
              name="correction_reason"
              label={t("visit.correct_reason")}
              hint={t("visit.correct_reason_hint")}
              value={reason}
              onChange={(v) => {
                dismiss("reason");
                setReason(v);
              }}
              error={errors["reason"]}
              dir="auto"
            />
          </section>
        ) : null}
        {restoredAt ? (
          <p className="banner banner-info" role="status" data-testid="draft-restored">
            {t("visit.draft_restored", { time: timeOfDay(restoredAt) })}{" "}
            <button
              type="button"
              className="secondary"
              name="discard_draft"
              onClick={() => {
                void ipc.discardVisitDraft(motherId, number);
                dirty.current = false;
                setRestoredAt(null);
                fill({ outcome: "visited", visitedOn: numericDate(view.today), visitedAt: nowTime(), visitedBy: memberName, note: "", answers: {} });
              }}
            >
              {t("visit.discard_draft")}
            </button>
          </p>
        ) : null}
        <section className="card">
          <ChoiceButtons
            name="outcome"
            label={t("fields.visit.outcome")}
            value={outcome}
            options={OUTCOMES.map((o) => ({ value: o, label: t(`options.outcome.${o}`) }))}
            onChange={(v) => edit(setOutcome)(v ?? "visited")}
          />
          <div className="field-grid">
            <DateField name="visited_on" label={t("fields.visit.visited_on")} value={visitedOn} onChange={(v) => { dismiss("visited_on"); edit(setVisitedOn)(v); }} error={errors["visited_on"]} />
            <TextField name="visited_at" type="time" label={t("fields.visit.visited_at")} value={visitedAt} onChange={(v) => { dismiss("visited_at"); edit(setVisitedAt)(v); }} error={errors["visited_at"]} />
            <TextField name="visited_by" label={t("fields.visit.visited_by")} value={visitedBy} onChange={(v) => { dismiss("visited_by"); edit(setVisitedBy)(v); }} error={errors["visited_by"]} dir="auto" />
          </div>
          {errors["number"] ? <p className="field-error" role="alert">{errors["number"]}</p> : null}
        </section>
        {correcting && recorded && outcome !== "visited" && Object.keys(recorded.answers).length > 0 ? (
          <p className="banner banner-warning" role="alert" data-testid="answers-cleared">
            {t("visit.correct_clears", { count: Object.keys(recorded.answers).length })}
          </p>
        ) : null}
        {outcome === "visited" ? (
          <ChecklistForm
            definition={definition}
            visit={number}
            birth={view.birth}
            babies={view.babies}
            visitDate={visitedOn}
            values={answers}
            errors={errors}
            screeningTexts={texts}
            onSelfScreening={setSelfScreening}
            onChange={(key, value) => {
              dismiss(`answers.${key}`);
              dirty.current = true;
              setAnswers((a) => ({ ...a, [key]: value }));
            }}
          />
        ) : null}
        <section className="card">
          <TextField name="note" label={t("fields.visit.note")} value={note} onChange={edit(setNote)} error={errors["note"]} dir="auto" />
        </section>
        {correcting ? null : (
        <div className="form-actions">
          <button
            type="button"
            className="secondary"
            name="save_draft"
            onClick={async () => {
              dirty.current = false;
              await ipc.saveVisitDraft(latest.current);
              go({ name: "mother", id: motherId, notice: t("visit.draft_saved", { number }) });
            }}
          >
            {t("visit.save_draft")}
          </button>
        </div>
        )}
        <FormActions
          onCancel={() => (correcting ? setCorrecting(false) : go({ name: "mother", id: motherId }))}
          saveName={correcting ? "save_correction" : "save_visit"}
          saveLabel={correcting ? t("visit.correct_save") : t("visit.save")}
          saving={saving}
        />
      </form>
      {instrument ? (
        <SelfScreening
          instrument={instrument}
          language={motherLanguage}
          onCancel={() => setSelfScreening(null)}
          onDone={(positions) => {
            dirty.current = true;
            setAnswers((a) => {
              const next = { ...a };
              for (const [item, position] of Object.entries(positions)) next[`mother.${instrument.id}_${item}`] = String(position);
              return next;
            });
            setSelfScreening(null);
          }}
        />
      ) : null}
      {flagsDialog}
    </main>
  );
}
