// The doctor's follow-up list: urgent flags, attention flags, late and missed visits, abnormal
// lab results and visits coming due, each row saying why it is there; filters; and how fresh the
// list is (it shows only what this tablet holds, as of its last sync).
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { DateField, SelectField, TextField } from "../components/Field";
import { reasonSentence, useUnits } from "../components/FlagList";
import { LoadFailed, Loading } from "../components/ScreenState";
import { ipc, FOLLOW_UP_KIND_VALUES, toAppError, type AppError, type FollowUpFilter, type FollowUpList, type FollowUpRow, type VisitNumber } from "../ipc";
import { isoFromTyped, numericDate } from "../lib/dates";
import { useNav } from "../lib/nav";
import { timeAgo } from "../lib/sync";

interface Typed {
  nurse: string;
  neighbourhood: string;
  number: string;
  nationality: string;
  from: string;
  to: string;
}

const EMPTY: Typed = { nurse: "", neighbourhood: "", number: "", nationality: "", from: "", to: "" };

/** The filter as the Rust side takes it: blanks and unfinished dates mean "any". */
function toFilter(typed: Typed): FollowUpFilter {
  const text = (s: string) => (s.trim() === "" ? null : s.trim());
  return {
    nurse: text(typed.nurse),
    neighbourhood: text(typed.neighbourhood),
    nationality: text(typed.nationality),
    number: typed.number === "" ? null : (Number(typed.number) as VisitNumber),
    from: isoFromTyped(typed.from),
    to: isoFromTyped(typed.to),
  };
}

export function FollowUp() {
  const { t, i18n } = useTranslation();
  const [typed, setTyped] = useState<Typed>(EMPTY);
  const [list, setList] = useState<FollowUpList | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const filter = toFilter(typed);
  const key = JSON.stringify(filter);

  useEffect(() => {
    let live = true;
    ipc.followUpList(JSON.parse(key) as FollowUpFilter).then(
      (found) => live && setList(found),
      (e) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [key]);

  if (error) return <LoadFailed error={error} />;
  if (!list) return <Loading />;
  const set = (field: keyof Typed) => (value: string) => setTyped((f) => ({ ...f, [field]: value }));
  const count = (kind: string) => list.counts.find(([k]) => k === kind)?.[1] ?? 0;
  const kinds = FOLLOW_UP_KIND_VALUES;

  return (
    <main className="screen followup">
      <header className="screen-header">
        <h1>{t("followup.title")}</h1>
        <p className="subtitle" data-testid="freshness">
          {list.last_sync
            ? t("followup.fresh", { ago: timeAgo(list.last_sync, i18n.language) })
            : t("followup.never_synced")}
        </p>
      </header>
      <section className="card followup-filters" aria-label={t("followup.filters")}>
        <div className="field-grid">
          <TextField name="filter_nurse" label={t("followup.nurse")} value={typed.nurse} onChange={set("nurse")} dir="auto" />
          <TextField name="filter_neighbourhood" label={t("fields.mother.neighbourhood")} value={typed.neighbourhood} onChange={set("neighbourhood")} dir="auto" />
          <SelectField
            name="filter_number"
            label={t("followup.visit")}
            value={typed.number === "" ? null : typed.number}
            placeholder={t("followup.any_visit")}
            options={["1", "2", "3"].map((n) => ({ value: n, label: t("today.visit", { number: n }) }))}
            onChange={(v) => set("number")(v ?? "")}
          />
          <TextField name="filter_nationality" label={t("fields.mother.nationality")} value={typed.nationality} onChange={set("nationality")} dir="auto" />
          <DateField name="filter_from" label={t("followup.from")} value={typed.from} onChange={set("from")} />
          <DateField name="filter_to" label={t("followup.to")} value={typed.to} onChange={set("to")} />
        </div>
      </section>
      <ul className="followup-counts" aria-label={t("followup.counts")}>
        {kinds.map((kind) => (
          <li key={kind} className={`count count-${kind}`} data-kind={kind}>
            <span className="count-number">{count(kind)}</span> {t(`followup.kinds.${kind}`)}
          </li>
        ))}
      </ul>
      {list.total === 0 ? <p className="empty">{t("followup.empty")}</p> : null}
      <ul className="entry-list">
        {list.rows.map((row, i) => (
          <li key={`${row.kind}-${row.mother_id}-${row.number}-${row.position ?? i}`}>
            <Row row={row} />
          </li>
        ))}
      </ul>
      {list.total > list.rows.length ? (
        <p className="footnote">{t("followup.more", { shown: list.rows.length, total: list.total })}</p>
      ) : null}
    </main>
  );
}

function Row({ row }: { row: FollowUpRow }) {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const definition = useUnits(undefined, row.flag !== null);
  const why = row.flag
    ? `${t(`flags.rules.${row.flag.rule}.title`)}: ${row.flag.reasons.map((r) => reasonSentence(t, i18n.language, r, definition)).join("; ")}`
    : t(`followup.why.${row.kind}`, { date: numericDate(row.date) });
  return (
    <button type="button" className={`entry followup-row kind-${row.kind}`} data-kind={row.kind} data-mother={row.mother_id} onClick={() => go(row.flag ? { name: "visit", motherId: row.mother_id, number: row.number } : { name: "mother", id: row.mother_id })}>
      <span className="entry-main">
        <span className="entry-name" dir="auto">{row.full_name}</span>
        <span className="entry-place" dir="auto">{[row.neighbourhood, row.nurse].filter(Boolean).join(" · ")}</span>
      </span>
      <span className="entry-visit">{t("today.visit", { number: row.number })} · {numericDate(row.date)}</span>
      <span className={`tag kind-tag kind-tag-${row.kind}`}>{t(`followup.kinds.${row.kind}`)}</span>
      <span className="followup-why">{why}</span>
    </button>
  );
}
