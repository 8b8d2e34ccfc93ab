// The top bar's sync indicator: one short line saying whether this tablet's records are safe on
// the server, and a way to the sync screen.
import { useTranslation } from "react-i18next";

import { useNav } from "../lib/nav";
import { timeAgo, useSyncState } from "../lib/sync";

export function SyncBadge() {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const { view } = useSyncState();
  if (!view) return null;
  const { status } = view;
  let text: string;
  let tone: "ok" | "warn" | "busy" | "off";
  if (!status.server) {
    text = t("sync.badge.not_enrolled");
    tone = "off";
  } else if (view.running) {
    text = t("sync.badge.running");
    tone = "busy";
  } else if (status.last_error) {
    text = t("sync.badge.failed", { count: status.pending });
    tone = "warn";
  } else if (status.pending > 0) {
    text = t("sync.badge.pending", { count: status.pending });
    tone = "warn";
  } else {
    text = status.last_success ? t("sync.badge.synced", { when: timeAgo(status.last_success, i18n.language) }) : t("sync.badge.never");
    tone = "ok";
  }
  const conflicts = status.open_conflicts > 0 ? ` · ${t("sync.badge.conflicts", { count: status.open_conflicts })}` : "";
  return (
    <button type="button" name="nav_sync" className={`sync-badge sync-${tone}`} onClick={() => go({ name: "sync" })}>
      <span className="sync-dot" aria-hidden="true" />
      {text}
      {conflicts}
    </button>
  );
}
