// A visit status as a coloured label with its name in words (colour is never the only signal).
import { useTranslation } from "react-i18next";

import type { VisitStatus } from "../ipc";

export function StatusBadge({ status }: { status: VisitStatus }) {
  const { t } = useTranslation();
  return (
    <span className={`badge badge-${status}`} data-status={status}>
      {t(`status.${status}`)}
    </span>
  );
}
