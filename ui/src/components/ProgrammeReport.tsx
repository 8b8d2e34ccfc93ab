// The programme report: the month's indicators from what this device holds, by section (reach,
// windows, baby, labs, mood, flags, care), each number beside its denominator with a bar and its
// definition one tap away, broken down by residency status, nationality, district,
// neighbourhood or nurse; de-identified for the donor on request; saved as XLSX or CSV, with the
// line lists.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import {
  ipc,
  PROGRAMME_FILE_VALUES,
  toAppError,
  type AppError,
  type Cell,
  type Dimension,
  type IndicatorDef,
  type LocalText,
  type ProgrammeFile,
  type ProgrammeReport as Report,
  type SavedFile,
  type TextLanguage,
} from "../ipc";
import { formatNumber, intlLocale, numericDate } from "../lib/dates";
import { generalMessage } from "../lib/errors";
import { MonthPicker, shiftMonth } from "./Coverage";

const SECTIONS = ["reach", "windows", "baby", "labs", "mood", "flags", "care"] as const;
const FILES = PROGRAMME_FILE_VALUES;

/** The report's language for a UI language. */
export function textLanguage(language: string): TextLanguage {
  return (["tr", "en", "ar"].includes(language) ? language : "tr") as TextLanguage;
}

export function localText(text: LocalText, language: string): string {
  return text[textLanguage(language)];
}

/** "12 / 40" and "30 %", or the median with its unit; "<5" when suppressed. */
export function cellText(cell: Cell, def: IndicatorDef, language: string, t: (key: string, options?: Record<string, unknown>) => string): { main: string; share: string } {
  if (cell.suppressed) return { main: "<5", share: "" };
  if (def.kind === "count") return { main: String(cell.numerator), share: "" };
  const denominator = cell.denominator ?? 0;
  if (def.kind === "median") {
    const median = cell.median === null ? "–" : formatNumber(cell.median, language, 1);
    return { main: median, share: t("office.report.of_n", { n: denominator }) };
  }
  const percent = denominator > 0 ? formatNumber((cell.numerator * 100) / denominator, language, 0) + " %" : "–";
  return { main: `${cell.numerator} / ${denominator}`, share: percent };
}

export function ProgrammeReport() {
  const { t, i18n } = useTranslation();
  const language = i18n.language;
  const [month, setMonth] = useState<string | null>(null);
  const [deidentified, setDeidentified] = useState(false);
  const [dimension, setDimension] = useState<Dimension>("total");
  const [report, setReport] = useState<Report | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<ProgrammeFile | null>(null);
  const [saved, setSaved] = useState<{ file: ProgrammeFile; saved: SavedFile } | null>(null);

  useEffect(() => {
    let live = true;
    ipc.programmeReport(month, deidentified).then(
      (found) => {
        if (!live) return;
        setReport(found);
        setError(null);
        if (month === null) setMonth(found.from);
      },
      (e) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [month, deidentified]);

  async function save(file: ProgrammeFile) {
    if (!report) return;
    setBusy(file);
    setError(null);
    try {
      setSaved({ file, saved: await ipc.exportProgramme(report.from, file, deidentified, textLanguage(language)) });
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(null);
    }
  }

  const label = report
    ? new Intl.DateTimeFormat(intlLocale(language), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${report.from}T00:00:00Z`))
    : "";
  const breakdown = report?.breakdowns.find((b) => b.dimension === dimension) ?? null;
  const team = report?.breakdowns[0]?.groups[0] ?? null;

  return (
    <section className="card programme-report" aria-labelledby="programme-report-title">
      <h2 id="programme-report-title">{t("office.report.title")}</h2>
      <MonthPicker name="report_month" label={label} testId="report-month" onShift={(by) => report && setMonth(shiftMonth(report.from, by))} />
      <div className="report-controls">
        <label className="field-inline">
          <span>{t("office.report.breakdown")}</span>
          <select name="report_breakdown" value={dimension} onChange={(e) => setDimension(e.target.value as Dimension)}>
            {(report?.breakdowns ?? []).map((b) => (
              <option key={b.dimension} value={b.dimension}>
                {localText(b.name, language)}
              </option>
            ))}
          </select>
        </label>
        <label className="check">
          <input type="checkbox" name="report_deidentified" checked={deidentified} onChange={(e) => setDeidentified(e.target.checked)} />
          <span>{t("office.report.deidentified")}</span>
        </label>
      </div>
      <p className="hint">{t(deidentified ? "office.report.explain_deidentified" : "office.report.explain", { today: report ? numericDate(report.today) : "" })}</p>
      {error ? <p className="banner banner-error" role="alert">{generalMessage(t, error)}</p> : null}
      {report && team && dimension === "total"
        ? SECTIONS.map((section) => {
            const rows = report.indicators.map((def, i) => ({ def, cell: team.cells[i] })).filter((r) => r.def.section === section);
            return (
              <div key={section} className="report-section">
                <h3>{t(`office.report.sections.${section}`)}</h3>
                <table className="report-table report-sectioned">
                  <colgroup>
                    <col className="report-col-name" />
                    <col className="report-col-number" />
                    <col className="report-col-share" />
                  </colgroup>
                  <tbody>
                    {rows.map(({ def, cell }) => {
                      const text = cellText(cell, def, language, t);
                      const width = def.kind === "share" && !cell.suppressed && (cell.denominator ?? 0) > 0 ? (cell.numerator * 100) / (cell.denominator ?? 1) : 0;
                      return [
                        <tr key={def.id} data-indicator={def.id}>
                          <th scope="row">
                            <button type="button" className="link" name={`define_${def.id}`} aria-expanded={open === def.id} onClick={() => setOpen(open === def.id ? null : def.id)}>
                              {localText(def.name, language)} <span className="info-mark" aria-hidden="true">?</span>
                            </button>
                          </th>
                          <td className="report-number" data-testid={`indicator-${def.id}`}>
                            <bdi dir="ltr">{text.main}</bdi>
                          </td>
                          <td className="report-share">
                            {def.kind === "share" ? (
                              <span className="report-bar" aria-hidden="true">
                                <span style={{ width: `${width}%` }} />
                              </span>
                            ) : null}
                            <bdi>{text.share}</bdi>
                          </td>
                        </tr>,
                        open === def.id ? (
                          <tr key={`${def.id}-definition`} className="report-definition">
                            <td colSpan={3} data-testid={`definition-${def.id}`}>
                              <p>
                                <strong>{def.denominator ? t("office.report.numerator") : t("office.report.counted")}</strong> {localText(def.numerator, language)}
                              </p>
                              {def.denominator ? (
                                <p>
                                  <strong>{t("office.report.denominator")}</strong> {localText(def.denominator, language)}
                                </p>
                              ) : null}
                            </td>
                          </tr>
                        ) : null,
                      ];
                    })}
                  </tbody>
                </table>
              </div>
            );
          })
        : null}
      {report && breakdown && dimension !== "total" ? (
        <div className="report-wide">
          <table className="report-table report-breakdown" data-testid="report-breakdown">
            <thead>
              <tr>
                <th scope="col">{t("office.report.indicator")}</th>
                {breakdown.groups.map((g) => (
                  <th scope="col" key={g.key} data-group={g.key}>
                    <bdi>{localText(g.name, language)}</bdi>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {report.indicators.map((def, i) => (
                <tr key={def.id} data-indicator={def.id}>
                  <th scope="row">{localText(def.name, language)}</th>
                  {breakdown.groups.map((g) => {
                    const text = cellText(g.cells[i], def, language, t);
                    return (
                      <td key={g.key} className="report-number">
                        <bdi dir="ltr">{text.main}</bdi>
                        {text.share ? <span className="report-share-small"> <bdi>{text.share}</bdi></span> : null}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
          {breakdown.groups.length === 0 ? <p>{t("office.report.empty")}</p> : null}
        </div>
      ) : null}
      <div className="button-row">
        {FILES.map((file) => (
          <button type="button" key={file} name={`save_${file}`} className="secondary" disabled={busy !== null || !report} onClick={() => save(file)}>
            {busy === file ? t("common.saving") : t(`office.report.files.${file}`)}
          </button>
        ))}
      </div>
      {saved ? (
        <p className="banner banner-ok" role="status" data-testid="report-saved">
          {t(`office.report.saved.${saved.file}`, { n: saved.saved.records })} <code dir="ltr">{saved.saved.path}</code>
        </p>
      ) : null}
    </section>
  );
}
