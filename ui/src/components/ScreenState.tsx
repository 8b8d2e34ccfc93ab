// The states every screen shares: loading, failed to load, and a form that was not saved.
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
