// Loading the licensed text of a screening questionnaire (the EPDS) onto this tablet, from a file
// the deploying organisation supplies; one file per language.
import { useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, toAppError, type AppError, type InstrumentText } from "../ipc";
import { generalMessage } from "../lib/errors";

export function ScreeningTexts() {
  const { t } = useTranslation();
  const [loaded, setLoaded] = useState<InstrumentText | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  async function load(file: File) {
    setLoaded(null);
    setError(null);
    try {
      setLoaded(await ipc.installScreeningText(await file.text()));
    } catch (e) {
      setError(toAppError(e));
    }
  }

  const reason = error?.errors.find((e) => e.field === "screening_text")?.params["reason"];
  return (
    <section className="card" data-testid="screening-texts">
      <h2>{t("screening.texts_title")}</h2>
      <p className="subtitle">{t("screening.texts_help")}</p>
      <label className="file-button">
        {t("screening.texts_load")}
        <input
          type="file"
          name="screening_text_file"
          accept="application/json,.json"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void load(file);
            e.target.value = "";
          }}
        />
      </label>
      {loaded ? (
        <p className="banner banner-ok" role="status">
          {t("screening.texts_loaded", { title: loaded.title, language: t(`options.language.${loaded.language}`) })}
        </p>
      ) : null}
      {error ? (
        <p className="banner banner-error" role="alert">
          {reason ? t(`screening.texts_errors.${reason}`) : generalMessage(t, error)}
        </p>
      ) : null}
    </section>
  );
}
