// The programme's exports: visits and flags as CSV for the reports, and a FHIR R4 Bundle for the
// national systems; each is written to the exports folder and the screen says where.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, EXPORT_FORMAT_VALUES, type TextLanguage, toAppError, type AppError, type ExportFormat, type SavedFile } from "../ipc";
import { generalMessage } from "../lib/errors";

const FORMATS = EXPORT_FORMAT_VALUES;

export function Exports() {
  const { t, i18n } = useTranslation();
  const [saved, setSaved] = useState<{ format: ExportFormat; file: SavedFile } | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState<ExportFormat | null>(null);

  async function run(format: ExportFormat) {
    setBusy(format);
    setError(null);
    try {
      setSaved({ format, file: await ipc.exportRecords(format, (["tr", "en", "ar"].includes(i18n.language) ? i18n.language : "tr") as TextLanguage) });
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(null);
    }
  }

  return (
    <section className="card exports" aria-labelledby="exports-title">
      <h2 id="exports-title">{t("office.export.title")}</h2>
      <p>{t("office.export.body")}</p>
      <div className="button-row">
        {FORMATS.map((format) => (
          <button type="button" key={format} name={`export_${format}`} className="secondary" disabled={busy !== null} onClick={() => run(format)}>
            {busy === format ? t("common.saving") : t(`office.export.formats.${format}`)}
          </button>
        ))}
      </div>
      {saved ? (
        <p className="banner banner-ok" role="status" data-testid="export-saved">
          {t(`office.export.saved.${saved.format}`, { n: saved.file.records })} <code dir="ltr">{saved.file.path}</code>
        </p>
      ) : null}
      {error ? <p className="banner banner-error" role="alert">{generalMessage(t, error)}</p> : null}
    </section>
  );
}
