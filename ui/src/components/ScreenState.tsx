// The states every screen shares: loading, failed to load, a form that was not saved, and the
// buttons that end a form.
import { useTranslation } from "react-i18next";

import type { AppError } from "../ipc";
import { generalMessage } from "../lib/errors";

export function Loading() {
  const { t } = useTranslation();
  return (
    <main className="screen">
      <p className="loading">{t("common.loading")}</p>
    </main>
  );
}

export function LoadFailed({ error }: { error: AppError }) {
  const { t } = useTranslation();
  return (
    <main className="screen">
      <p className="banner banner-error" role="alert">
        {generalMessage(t, error)}
      </p>
    </main>
  );
}

/** The banner at the top of a form that was refused; the field errors are shown in place. */
export function FormErrorBanner({ error }: { error: AppError | null }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <p className="banner banner-error" role="alert" data-testid="form-error">
      {generalMessage(t, error)}
    </p>
  );
}

/** Cancel and save at the end of a form; the save button shows that saving is under way. */
export function FormActions({ onCancel, saveName, saveLabel, saving }: { onCancel: () => void; saveName: string; saveLabel: string; saving: boolean }) {
  const { t } = useTranslation();
  return (
    <div className="form-actions">
      <button type="button" className="secondary" name="cancel" onClick={onCancel}>
        {t("common.cancel")}
      </button>
      <button type="submit" className="primary" name={saveName} disabled={saving}>
        {saving ? t("common.saving") : saveLabel}
      </button>
    </div>
  );
}
