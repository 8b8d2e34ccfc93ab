// The team's coverage for one month: per nurse, how the visit windows that opened that month
// stand (done in window, done late, missed, late, still open) and the mothers with no visit yet,
// as a stacked bar chart and a table. From what this device holds.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, toAppError, type AppError, type CoverageCounts, type CoverageRow, type CoverageTable } from "../ipc";
import { intlLocale, numericDate } from "../lib/dates";
import { generalMessage } from "../lib/errors";

const PARTS = ["done", "done_late", "missed", "late", "open"] as const;
type Part = (typeof PARTS)[number];

/** The first day of the month `offset` months from the one `iso` falls in. */
export function shiftMonth(iso: string, offset: number): string {
  const [y, m] = iso.split("-").map(Number);
  const index = y * 12 + (m - 1) + offset;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return `${year}-${String(month).padStart(2, "0")}-01`;
}

/** The month shown, with buttons to the one before and after. */
export function MonthPicker({ name, label, testId, onShift }: { name: string; label: string; testId: string; onShift: (by: number) => void }) {
  const { t } = useTranslation();
  return (
    <div className="month-picker">
      <button type="button" name={`${name}_previous`} className="secondary" onClick={() => onShift(-1)} aria-label={t("office.coverage.previous")}>
        ‹
      </button>
      <strong className="month-label" data-testid={testId}>
        {label}
      </strong>
      <button type="button" name={`${name}_next`} className="secondary" onClick={() => onShift(1)} aria-label={t("office.coverage.next")}>
        ›
      </button>
    </div>
  );
}

function total(c: CoverageCounts): number {
  return c.done + c.done_late + c.missed + c.late + c.open;
}

export function Coverage() {
  const { t, i18n } = useTranslation();
  const [month, setMonth] = useState<string | null>(null);
  const [table, setTable] = useState<CoverageTable | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    let live = true;
    ipc.coverage(month).then(
      (found) => {
        if (!live) return;
        setTable(found);
        setError(null);
        if (month === null) setMonth(found.from);
      },
      (e) => live && setError(toAppError(e)),
    );
    return () => {
      live = false;
    };
  }, [month]);

  const label = table
    ? new Intl.DateTimeFormat(intlLocale(i18n.language), { month: "long", year: "numeric", timeZone: "UTC" }).format(new Date(`${table.from}T00:00:00Z`))
    : "";
  const widest = Math.max(1, ...(table?.rows ?? []).map((r) => total(r.total)));
  const nurse = (row: CoverageRow) => row.nurse ?? t("office.coverage.nobody");
  const cell = (row: CoverageRow, part: Part) => {
    const perVisit = row.visits.map((v) => v[part]).join(" / ");
    return (
      <td key={part} data-part={part}>
        <span className="coverage-total">{row.total[part]}</span>
        <span className="coverage-split" title={t("office.coverage.per_visit")} dir="ltr">
          {perVisit}
        </span>
      </td>
    );
  };

  return (
    <section className="card coverage" aria-labelledby="coverage-title">
      <h2 id="coverage-title">{t("office.coverage.title")}</h2>
      <MonthPicker name="month" label={label} testId="coverage-month" onShift={(by) => table && setMonth(shiftMonth(table.from, by))} />
      {error ? <p className="banner banner-error" role="alert">{generalMessage(t, error)}</p> : null}
      {table ? (
        <>
          <p className="subtitle">
            {t("office.coverage.explain", { from: numericDate(table.from), to: numericDate(table.to), today: numericDate(table.today) })}
          </p>
          {table.rows.length === 0 ? (
            <p className="empty">{t("office.coverage.empty")}</p>
          ) : (
            <>
              <ul className="coverage-legend" aria-hidden="true">
                {PARTS.map((part) => (
                  <li key={part}>
                    <span className={`swatch seg-${part}`} /> {t(`office.coverage.parts.${part}`)}
                  </li>
                ))}
              </ul>
              <div className="coverage-chart" aria-hidden="true">
                {table.rows.map((row) => (
                  <div className="coverage-bar-row" key={row.nurse ?? ""}>
                    <span className="coverage-bar-name" dir="auto">{nurse(row)}</span>
                    <span className="coverage-bar">
                      {PARTS.map((part) =>
                        row.total[part] > 0 ? (
                          <span key={part} className={`seg seg-${part}`} style={{ inlineSize: `${(100 * row.total[part]) / widest}%` }}>
                            {row.total[part]}
                          </span>
                        ) : null,
                      )}
                    </span>
                  </div>
                ))}
              </div>
              <div className="table-scroll">
                <table className="coverage-table" data-testid="coverage-table">
                  <caption>{t("office.coverage.caption", { month: label })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("office.coverage.nurse")}</th>
                      {PARTS.map((part) => (
                        <th scope="col" key={part}>{t(`office.coverage.parts.${part}`)}</th>
                      ))}
                      <th scope="col">{t("office.coverage.without_visit")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {table.rows.map((row) => (
                      <tr key={row.nurse ?? ""}>
                        <th scope="row" dir="auto">{nurse(row)}</th>
                        {PARTS.map((part) => cell(row, part))}
                        <td data-part="without_visit">{row.mothers_without_visit}</td>
                      </tr>
                    ))}
                  </tbody>
                  <tfoot>
                    <tr>
                      <th scope="row">{t("office.coverage.team")}</th>
                      {PARTS.map((part) => cell(table.team, part))}
                      <td data-part="without_visit">{table.team.mothers_without_visit}</td>
                    </tr>
                  </tfoot>
                </table>
              </div>
              <p className="footnote">{t("office.coverage.split_note")}</p>
            </>
          )}
        </>
      ) : null}
    </section>
  );
}
