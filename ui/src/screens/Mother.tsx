// The mother's screen: her details, the birth, the babies and the three visit cards with their
// windows, statuses and days of life.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { DateField, TextArea, TextField } from "../components/Field";
import { FlagList } from "../components/FlagList";
import { HistoryPanel } from "../components/History";
import { CaseCard } from "../components/Case";
import { StatusBadge } from "../components/StatusBadge";
import { ipc, toAppError, type AppError, type EntityKind, type BabyRecord, type MotherId, type MotherView, type VisitCard, type VisitRecord } from "../ipc";
import { numericDate, shortDate } from "../lib/dates";
import { FormErrorBanner, LoadFailed, Loading } from "../components/ScreenState";
import { errorsByField } from "../lib/errors";
import { useNav } from "../lib/nav";
import { useSave } from "../lib/useSave";

export function Mother({ id, notice }: { id: MotherId; notice?: string }) {
  const { t } = useTranslation();
  const [view, setView] = useState<MotherView | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [history, setHistory] = useState<{ entity: EntityKind; id: string; fields: string[] } | null>(null);
  const { go } = useNav();

  useEffect(() => {
    ipc.mother(id).then(setView, (e) => setError(toAppError(e)));
  }, [id]);

  if (error) return <LoadFailed error={error} />;
  if (!view) return <Loading />;

  const { mother, birth, babies } = view;
  const age = mother.age_years ?? null;
  // Urgent flags of any visit stand above everything, so they are seen before leaving the house.
  const urgent = view.cards.flatMap((card) => card.flags.filter((f) => f.level === "urgent"));
  // Each detail is one tap from its history (shown even when empty: a cleared phone has one).
  const detail = (label: string, value: string | null | undefined, name: string, entity: EntityKind = "mother", fields: string[] = [name], entityId: string = mother.id) => (
    <div className="detail" data-name={name}>
      <dt>{label}</dt>
      <dd dir="auto">
        {value || <span className="muted">{t("history.empty")}</span>}
        <button
          type="button"
          className="link history-link"
          name={`history_${name}`}
          aria-label={t("history.of", { field: label })}
          title={t("history.of", { field: label })}
          onClick={() => setHistory({ entity, id: entityId, fields })}
        >
          {t("history.show")}
        </button>
      </dd>
    </div>
  );

  return (
    <main className="screen mother">
      {notice ? <p className="banner banner-ok" role="status">{notice}</p> : null}
      <header className="screen-header">
        <h1 dir="auto" data-testid="mother-name">{mother.full_name}</h1>
        <p className="subtitle">
          {t("mother.day_of_life", { day: view.day_of_life })}
          {mother.interpreter_needed ? <span className="tag">{t("mother.interpreter")}</span> : null}
          {view.case.closed_on ? <span className="tag tag-closed" data-testid="case-closed">{t("case.closed")}</span> : null}
        </p>
      </header>

      {urgent.length > 0 ? (
        <section className="card urgent-banner" role="alert" data-testid="urgent-flags">
          <h2>{t("flags.title")}</h2>
          <FlagList flags={urgent} babies={babies} />
        </section>
      ) : null}

      <section className="visit-cards" aria-label={t("mother.visits")}>
        {view.cards.map((card) => (
          <VisitCardView
            key={card.window.number}
            card={card}
            motherId={mother.id}
            babies={babies}
            draft={view.drafts.includes(card.window.number)}
            onChanged={setView}
          />
        ))}
      </section>

      <CaseCard view={view} onChanged={setView} onHistory={(fields) => setHistory({ entity: "mother", id: mother.id, fields })} />
      <ExtraVisits view={view} onPlanned={() => ipc.mother(id).then(setView, (e) => setError(toAppError(e)))} />
      <Notes view={view} onAdded={() => ipc.mother(id).then(setView, (e) => setError(toAppError(e)))} />

      <div className="two-columns">
        <section className="card">
          <div className="card-title-row">
            <h2>{t("mother.details")}</h2>
            <button type="button" className="secondary" name="correct_mother" onClick={() => go({ name: "correct_mother", id: mother.id })}>
              {t("mother.correct")}
            </button>
          </div>
          <dl className="details">
            {detail(t("fields.mother.date_of_birth"), mother.date_of_birth ? numericDate(mother.date_of_birth) : null, "date_of_birth")}
            {detail(t("fields.mother.age_years"), age !== null ? t("mother.age", { age }) : null, "age", "mother", ["age_years"])}
            {detail(t("fields.mother.phone"), mother.phone, "phone")}
            {detail(t("fields.mother.street"), mother.street, "street")}
            {detail(t("fields.mother.neighbourhood"), [mother.neighbourhood, mother.district].filter(Boolean).join(", "), "neighbourhood", "mother", ["neighbourhood", "district"])}
            {detail(t("fields.mother.residency_status"), mother.residency_status ? t(`options.residency_status.${mother.residency_status}`) : null, "residency_status")}
            {detail(t("fields.mother.nationality"), mother.nationality, "nationality")}
            {detail(t("fields.mother.id_number"), mother.id_number, "id_number")}
            {detail(t("fields.mother.preferred_language"), t(`options.language.${mother.preferred_language}`), "preferred_language")}
            {detail(t("fields.mother.interpreter_needed"), mother.interpreter_needed ? t("checklist.yes") : t("checklist.no"), "interpreter_needed")}
            {detail(t("fields.mother.full_name"), mother.full_name, "full_name")}
          </dl>
          {Object.keys(view.sources).length > 0 ? <Sources sources={view.sources} /> : null}
        </section>

        <section className="card">
          <h2>{t("mother.birth")}</h2>
          <dl className="details">
            {detail(t("fields.birth.birth_date"), numericDate(birth.birth_date), "birth_date", "birth", ["birth_date"], birth.id)}
            {detail(t("fields.birth.mode"), t(`options.mode.${birth.mode}`), "mode", "birth", ["mode"], birth.id)}
            {detail(t("fields.birth.discharge_date"), birth.discharge_date ? numericDate(birth.discharge_date) : null, "discharge_date", "birth", ["discharge_date"], birth.id)}
            {detail(t("fields.birth.gestational_weeks"), birth.gestational_weeks ? t("mother.weeks", { weeks: birth.gestational_weeks }) : null, "gestational_weeks", "birth", ["gestational_weeks"], birth.id)}
          </dl>
          <h3>{t("mother.babies")}</h3>
          <ul className="babies">
            {babies.map((baby) => (
              <li key={baby.id} data-baby={baby.ordinal}>
                <span dir="auto">{baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal })}</span>
                <span>{t(`options.sex.${baby.sex}`)}</span>
                <span>{t("mother.birth_weight", { weight: baby.birth_weight_g })}</span>
                <button
                  type="button"
                  className="link history-link"
                  name={`history_baby_${baby.ordinal}`}
                  aria-label={t("history.of", { field: baby.name ?? t("mother.unnamed_baby", { n: baby.ordinal }) })}
                  onClick={() => setHistory({ entity: "baby", id: baby.id, fields: ["name", "sex", "birth_weight_g"] })}
                >
                  {t("history.show")}
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {history ? <HistoryPanel entity={history.entity} entityId={history.id} fields={history.fields} onClose={() => setHistory(null)} /> : null}
    </main>
  );
}

/** Extra visits planned outside the windows, and the form to plan one. */
function ExtraVisits({ view, onPlanned }: { view: MotherView; onPlanned: () => void }) {
  const { t } = useTranslation();
  const { go } = useNav();
  const [planning, setPlanning] = useState(false);
  const [dueOn, setDueOn] = useState("");
  const [reason, setReason] = useState("");
  const { submit, error, saving } = useSave(
    () => ipc.scheduleExtraVisit({ mother_id: view.mother.id, due_on: dueOn, reason, review_id: null }),
    () => {
      setPlanning(false);
      setDueOn("");
      setReason("");
      onPlanned();
    },
  );
  const errors = errorsByField(t, error);
  return (
    <section className="card extra-visits" aria-labelledby="extra-title" data-testid="extra-visits">
      <h2 id="extra-title">{t("extra.list_title")}</h2>
      {view.extra_visits.length === 0 ? <p className="subtitle">{t("extra.none")}</p> : null}
      <ul className="extra-list">
        {view.extra_visits.map((e) => (
          <li key={e.record.id} data-extra={e.record.id} data-status={e.status}>
            <span className={`badge badge-${e.status}`}>{t(`extra.status.${e.status}`)}</span>{" "}
            <strong>{numericDate(e.record.due_on)}</strong> · <span dir="auto">{e.record.reason}</span>{" "}
            <span className="footnote">{t("extra.by", { by: e.record.ordered_by })}</span>
            <FlagList flags={e.flags} babies={view.babies} />
            <button
              type="button"
              className={e.status === "done" ? "secondary" : "primary"}
              name={`extra_visit_${e.record.id}`}
              onClick={() => go({ name: "visit", motherId: view.mother.id, number: e.number, extra: e.record.id })}
            >
              {e.status === "done" ? t("extra.view") : t("extra.record")}
            </button>
          </li>
        ))}
      </ul>
      {planning ? (
        <form onSubmit={submit} noValidate className="extra-form">
          <FormErrorBanner error={error} />
          <DateField name="extra_due_on" label={t("fields.visit.due_on")} value={dueOn} onChange={setDueOn} error={errors["due_on"]} />
          <TextField name="extra_reason" label={t("fields.visit.reason")} value={reason} onChange={setReason} error={errors["reason"]} dir="auto" />
          <div className="form-actions">
            <button type="button" className="secondary" onClick={() => setPlanning(false)}>
              {t("common.cancel")}
            </button>
            <button type="submit" className="primary" name="plan_extra_visit" disabled={saving}>
              {saving ? t("common.saving") : t("extra.plan_save")}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="secondary" name="plan_extra" onClick={() => setPlanning(true)}>
          {t("extra.plan")}
        </button>
      )}
    </section>
  );
}

/**
 * The psychologist's and the social care specialist's notes, for the roles that may read them
 * (the card is absent for the others), and the form for the role that writes them.
 */
export function Notes({ view, onAdded }: { view: MotherView; onAdded: () => void }) {
  const { t } = useTranslation();
  const [writing, setWriting] = useState(false);
  const [text, setText] = useState("");
  const { submit, error, saving } = useSave(
    () => ipc.addNote({ mother_id: view.mother.id, text }),
    () => {
      setWriting(false);
      setText("");
      onAdded();
    },
  );
  if (view.notes.length === 0 && !view.note_topic) return null;
  const errors = errorsByField(t, error);
  return (
    <section className="card notes" aria-labelledby="notes-title" data-testid="notes">
      <h2 id="notes-title">{t("notes.title")}</h2>
      <p className="subtitle">{t("notes.who_reads")}</p>
      {view.notes.length === 0 ? <p className="subtitle">{t("notes.none")}</p> : null}
      <ul className="notes-list">
        {view.notes.map((n) => (
          <li key={n.id} data-topic={n.topic}>
            <span className="badge">{t(`notes.topic.${n.topic}`)}</span>{" "}
            <strong>{numericDate(n.written_on)}</strong> · <bdi>{n.written_by}</bdi>
            <p dir="auto">{n.text}</p>
          </li>
        ))}
      </ul>
      {view.note_topic ? (
        writing ? (
          <form onSubmit={submit} noValidate>
            <FormErrorBanner error={error} />
            <TextArea name="note_text" label={t(`notes.write.${view.note_topic}`)} value={text} onChange={setText} error={errors["text"]} />
            <div className="form-actions">
              <button type="button" className="secondary" onClick={() => setWriting(false)}>
                {t("common.cancel")}
              </button>
              <button type="submit" className="primary" name="save_note" disabled={saving}>
                {saving ? t("common.saving") : t("notes.save")}
              </button>
            </div>
          </form>
        ) : (
          <button type="button" className="secondary" name="add_note" onClick={() => setWriting(true)}>
            {t("notes.add")}
          </button>
        )
      ) : null}
    </section>
  );
}

/** Where fields of her record came from: a referral file and line, by field. */
function Sources({ sources }: { sources: Record<string, string> }) {
  const { t } = useTranslation();
  // Fields from the same source are listed together.
  const bySource = new Map<string, string[]>();
  for (const [field, source] of Object.entries(sources)) {
    bySource.set(source, [...(bySource.get(source) ?? []), t(`fields.mother.${field}`)]);
  }
  return (
    <div className="sources" data-testid="sources">
      <h3>{t("mother.sources")}</h3>
      <ul>
        {[...bySource].map(([source, fields]) => (
          <li key={source}>
            <span dir="auto">{source}</span>: {fields.join(", ")}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * The same visit recorded again, on another tablet while both were offline: it counts once, and
 * the nurse keeps the other record as an extra visit so the window is decided by one.
 */
function Duplicates({ card, onChanged }: { card: VisitCard; onChanged: (view: MotherView) => void }) {
  const { t } = useTranslation();
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const number = card.window.number;
  const keep = (duplicate: VisitRecord) => {
    setBusy(true);
    ipc
      .keepVisitAsExtra(duplicate.id, t("mother.duplicate.reason", { number }))
      .then(onChanged, (e) => setError(toAppError(e)))
      .finally(() => setBusy(false));
  };
  const line = (v: VisitRecord) =>
    t("mother.duplicate.by", { by: v.visited_by, date: numericDate(v.visited_on), time: v.visited_at?.slice(0, 5) ?? "" });
  return (
    <div className="banner banner-warning duplicates" role="alert" data-duplicates={number}>
      <p>{t("mother.duplicate.title", { number, times: card.duplicates.length + 1 })}</p>
      <ul>
        {card.visit ? <li>{line(card.visit)}</li> : null}
        {card.duplicates.map((d) => (
          <li key={d.id}>
            {line(d)}{" "}
            <button type="button" className="secondary" name={`keep_as_extra_${d.id}`} disabled={busy} onClick={() => keep(d)}>
              {t("mother.duplicate.keep_as_extra")}
            </button>
          </li>
        ))}
      </ul>
      <FormErrorBanner error={error} />
    </div>
  );
}

function VisitCardView({
  card,
  motherId,
  babies,
  draft,
  onChanged,
}: {
  card: VisitCard;
  motherId: MotherId;
  babies: BabyRecord[];
  draft: boolean;
  onChanged: (view: MotherView) => void;
}) {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const lang = i18n.language;
  const number = card.window.number;
  const visit = card.visit;
  return (
    <article className={`card visit-card visit-${card.status}`} data-visit={number} data-status={card.status}>
      <header>
        <h2>{t("mother.visit_title", { number })}</h2>
        {draft && visit?.outcome !== "visited" ? <span className="tag tag-draft" data-draft={number}>{t("mother.draft")}</span> : null}
        <StatusBadge status={card.status} />
      </header>
      <p className="window">
        {t("mother.window", {
          first: card.first_day,
          last: card.last_day,
          from: shortDate(card.window.opens_on, lang),
          to: shortDate(card.window.closes_on, lang),
        })}
      </p>
      {visit ? (
        <p className="recorded">
          {visit.outcome === "visited"
            ? t("mother.visited", {
                date: numericDate(visit.visited_on),
                time: visit.visited_at?.slice(0, 5) ?? "",
                by: visit.visited_by,
                day: card.day_of_life_at_visit,
              })
            : t("mother.closed_with", { outcome: t(`options.outcome.${visit.outcome}`), date: numericDate(visit.visited_on) })}
        </p>
      ) : null}
      {card.status === "passed" ? (
        <p className="recorded passed">{t(number === 3 ? "mother.passed_last" : "mother.passed")}</p>
      ) : null}
      <FlagList flags={card.flags} babies={babies} />
      {card.duplicates.length > 0 ? <Duplicates card={card} onChanged={onChanged} /> : null}
      {card.attempts.map((attempt) => (
        <p className="recorded attempt" key={attempt.id}>
          {t("mother.closed_with", { outcome: t(`options.outcome.${attempt.outcome}`), date: numericDate(attempt.visited_on) })}
        </p>
      ))}
      {visit?.outcome === "visited" ? (
        <button type="button" className="secondary" name={`view_visit_${number}`} onClick={() => go({ name: "visit", motherId, number })}>
          {t("mother.view_visit")}
        </button>
      ) : (
        <button
          type="button"
          className={card.status === "due" || card.status === "late" ? "primary" : "secondary"}
          name={`record_visit_${number}`}
          onClick={() => go({ name: "visit", motherId, number })}
        >
          {draft ? t("mother.continue_draft", { number }) : t("mother.record", { number })}
        </button>
      )}
    </article>
  );
}
