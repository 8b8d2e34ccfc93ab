// The hospital referral import: pick a CSV file (the template can be saved from here), see what
// was registered, which rows were refused (line, column, reason) and which look like mothers
// already on this tablet. Those are shown side by side: take fields from the referral into her
// record (each taken field remembers the file and line it came from), or register her apart.
import { useRef, useState, type ChangeEvent } from "react";
import { useTranslation } from "react-i18next";
import type { TFunction } from "i18next";

import {
  ipc,
  MERGEABLE_FIELDS,
  toAppError,
  type AppError,
  type ImportReport,
  type MotherInput,
  type MotherRecord,
  type SavedFile,
  type SuspectedDuplicate,
} from "../ipc";
import { numericDate } from "../lib/dates";
import { fieldErrorMessage, generalMessage } from "../lib/errors";
import { useNav } from "../lib/nav";

/** The fields a merge may take from a referral, in the order shown (from the core). */
export const MERGEABLE = MERGEABLE_FIELDS;
type Mergeable = (typeof MERGEABLE)[number];

function shown(t: TFunction, field: Mergeable, value: unknown): string {
  if (value === null || value === undefined || value === "") return "";
  if (field === "residency_status") return t(`options.residency_status.${String(value)}`);
  if (field === "preferred_language") return t(`options.language.${String(value)}`);
  if (field === "interpreter_needed") return value ? t("checklist.yes") : t("checklist.no");
  if (field === "date_of_birth" && /^\d{4}-\d{2}-\d{2}$/.test(String(value))) return numericDate(String(value));
  return String(value);
}

/** Fields worth taking by default: the referral says something the record does not. */
export function defaultTake(incoming: MotherInput, existing: MotherRecord): Mergeable[] {
  return MERGEABLE.filter((f) => {
    const theirs = incoming[f];
    const ours = existing[f];
    const has = (v: unknown) => v !== null && v !== undefined && v !== "" && v !== false;
    return has(theirs) && !has(ours);
  });
}

type Decision = { kind: "merged"; name: string } | { kind: "apart" };

function Duplicate({ held, fileName, onDecided }: { held: SuspectedDuplicate; fileName: string; onDecided: (d: Decision) => void }) {
  const { t } = useTranslation();
  const { go } = useNav();
  const [choice, setChoice] = useState(0);
  const suspect = held.suspects[choice];
  const [take, setTake] = useState<Mergeable[]>(() => defaultTake(held.row.input.mother, suspect.mother));
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const incoming = held.row.input.mother;

  async function act(what: "merge" | "apart") {
    setBusy(true);
    setError(null);
    try {
      if (what === "merge") {
        await ipc.mergeReferral(suspect.mother.id, held.row, take, fileName);
        onDecided({ kind: "merged", name: suspect.mother.full_name });
      } else {
        await ipc.keepReferralApart(held.row, fileName);
        onDecided({ kind: "apart" });
      }
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <article className="duplicate" data-line={held.row.line} aria-label={t("office.import.line", { line: held.row.line })}>
      <h4>
        {t("office.import.line", { line: held.row.line })}: <span dir="auto">{incoming.full_name}</span>
      </h4>
      {held.suspects.length > 1 ? (
        <div className="button-row" role="group" aria-label={t("office.import.which")}>
          {held.suspects.map((s, i) => (
            <button type="button" key={s.mother.id} className={i === choice ? "choice active" : "choice"} aria-pressed={i === choice} onClick={() => { setChoice(i); setTake(defaultTake(incoming, s.mother)); }}>
              <span dir="auto">{s.mother.full_name}</span>
            </button>
          ))}
        </div>
      ) : null}
      <p className="subtitle">
        {t("office.import.why", {
          score: suspect.suspect.score,
          reasons: suspect.suspect.reasons.map((r) => t(`office.import.reasons.${r}`)).join(", "),
        })}
      </p>
      <div className="table-scroll">
        <table className="side-by-side">
          <thead>
            <tr>
              <th scope="col">{t("office.import.field")}</th>
              <th scope="col">{t("office.import.referral")}</th>
              <th scope="col">{t("office.import.on_device")}</th>
              <th scope="col">{t("office.import.take")}</th>
            </tr>
          </thead>
          <tbody>
            {MERGEABLE.map((field) => {
              const theirs = shown(t, field, incoming[field]);
              const ours = shown(t, field, suspect.mother[field]);
              const differs = theirs !== "" && theirs !== ours;
              return (
                <tr key={field} className={differs ? "differs" : undefined}>
                  <th scope="row">{t(`fields.mother.${field}`)}</th>
                  <td dir="auto">{theirs || "—"}</td>
                  <td dir="auto">{ours || "—"}</td>
                  <td>
                    <input
                      type="checkbox"
                      name={`take_${field}`}
                      aria-label={`${t("office.import.take")}: ${t(`fields.mother.${field}`)}`}
                      disabled={theirs === ""}
                      checked={take.includes(field)}
                      onChange={(e) => setTake((now) => (e.target.checked ? [...now, field] : now.filter((f) => f !== field)))}
                    />
                  </td>
                </tr>
              );
            })}
            <tr>
              <th scope="row">{t("fields.birth.birth_date")}</th>
              <td>{held.row.input.birth.birth_date || "—"}</td>
              <td>{suspect.birth ? numericDate(suspect.birth.birth_date) : "—"}</td>
              <td />
            </tr>
          </tbody>
        </table>
      </div>
      <div className="button-row">
        <button type="button" name="merge" className="primary" disabled={busy} onClick={() => act("merge")}>
          {t("office.import.merge", { name: suspect.mother.full_name })}
        </button>
        <button type="button" name="keep_apart" className="secondary" disabled={busy} onClick={() => act("apart")}>
          {t("office.import.apart")}
        </button>
        <button type="button" name="open_suspect" className="link" onClick={() => go({ name: "mother", id: suspect.mother.id })}>
          {t("office.import.open")}
        </button>
      </div>
      {error ? <p className="banner banner-error" role="alert">{error.kind === "validation" ? error.errors.map((e) => fieldErrorMessage(t, e)).join(" ") : generalMessage(t, error)}</p> : null}
    </article>
  );
}

export function ReferralImport() {
  const { t } = useTranslation();
  const [report, setReport] = useState<ImportReport | null>(null);
  const [fileName, setFileName] = useState("");
  const [template, setTemplate] = useState<SavedFile | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const [decided, setDecided] = useState<Record<number, Decision>>({});
  const input = useRef<HTMLInputElement>(null);

  async function pick(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    if (!file) return;
    setBusy(true);
    setError(null);
    setReport(null);
    setDecided({});
    try {
      const text = await file.text();
      setFileName(file.name);
      setReport(await ipc.importReferrals(text, file.name));
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setBusy(false);
      e.target.value = "";
    }
  }

  async function saveTemplate() {
    try {
      setTemplate(await ipc.saveReferralTemplate());
    } catch (err) {
      setError(toAppError(err));
    }
  }

  const fileError = report?.file_error;
  return (
    <section className="card referral-import" aria-labelledby="import-title">
      <h2 id="import-title">{t("office.import.title")}</h2>
      <p>{t("office.import.body")}</p>
      <div className="button-row">
        <button type="button" name="pick_referral_file" className="primary" disabled={busy} onClick={() => input.current?.click()}>
          {busy ? t("office.import.reading") : t("office.import.pick")}
        </button>
        <input ref={input} type="file" name="referral_file" accept=".csv,text/csv" onChange={pick} hidden aria-label={t("office.import.pick")} />
        <button type="button" name="save_template" className="secondary" onClick={saveTemplate}>
          {t("office.import.template")}
        </button>
      </div>
      {template ? (
        <p className="banner banner-ok" role="status">
          {t("office.import.template_saved")} <code dir="ltr">{template.path}</code>
        </p>
      ) : null}
      {error ? <p className="banner banner-error" role="alert">{generalMessage(t, error)}</p> : null}
      {fileError ? (
        <p className="banner banner-error" role="alert" data-testid="import-file-error">
          {t(`office.import.file_errors.${fileError.kind}`, {
            columns: "columns" in fileError ? fileError.columns.join(", ") : "",
            max: "max" in fileError ? fileError.max : "",
          })}
        </p>
      ) : null}
      {report && !fileError ? (
        <div className="import-report" data-testid="import-report">
          <p role="status">
            {t("office.import.summary", {
              created: report.created.length,
              held: report.suspected.length,
              refused: new Set(report.errors.map((e) => e.line)).size,
            })}
          </p>
          {report.errors.length > 0 ? (
            <>
              <h3>{t("office.import.refused_title")}</h3>
              <ul className="row-errors">
                {report.errors.map((e, i) => (
                  <li key={i} data-line={e.line}>
                    <strong>{t("office.import.line", { line: e.line })}</strong> (<code>{e.column}</code>): {fieldErrorMessage(t, e.error)}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
          {report.suspected.length > 0 ? (
            <>
              <h3>{t("office.import.held_title")}</h3>
              {report.suspected.map((held) => {
                const done = decided[held.row.line];
                return done ? (
                  <p key={held.row.line} className="banner banner-ok" role="status">
                    {t("office.import.line", { line: held.row.line })}:{" "}
                    {done.kind === "merged" ? t("office.import.merged", { name: done.name }) : t("office.import.kept_apart")}
                  </p>
                ) : (
                  <Duplicate key={held.row.line} held={held} fileName={fileName} onDecided={(d) => setDecided((now) => ({ ...now, [held.row.line]: d }))} />
                );
              })}
            </>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}
