// Sync state for the top bar and the sync screen: polled from the Rust side, fast while a sync
// runs, and the sentences for its errors and times.
import type { TFunction } from "i18next";
import { useCallback, useEffect, useState } from "react";

import { ipc, type Conflict, type SyncView } from "../ipc";
import { formatNumber, intlLocale } from "./dates";

export function useSyncState(): { view: SyncView | null; refresh: () => void } {
  const [view, setView] = useState<SyncView | null>(null);
  const refresh = useCallback(() => {
    ipc.syncState().then(setView, () => setView(null));
  }, []);
  useEffect(() => {
    refresh();
    const every = view?.running ? 700 : 10_000;
    const timer = window.setInterval(refresh, every);
    return () => window.clearInterval(timer);
  }, [refresh, view?.running]);
  return { view, refresh };
}

/** The sentence for a sync error kind, in the UI language. */
export function syncErrorMessage(t: TFunction, code: string | null | undefined): string {
  return t(`sync.errors.${code ?? "other"}`, { defaultValue: t("sync.errors.other") });
}

/** "3 dakika önce", "2 hours ago": how long ago `iso` was. */
export function timeAgo(iso: string, language: string, now: Date = new Date()): string {
  const seconds = Math.round((new Date(iso).getTime() - now.getTime()) / 1000);
  const format = new Intl.RelativeTimeFormat(intlLocale(language), { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(seconds, "second");
  if (abs < 3600) return format.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return format.format(Math.round(seconds / 3600), "hour");
  return format.format(Math.round(seconds / 86400), "day");
}

/** When a field version was written: its clock stamp starts with the time in hex milliseconds. */
export function versionTime(version: string): Date {
  return new Date(parseInt(version.slice(0, 12), 16));
}

/** The label of a conflicting field. */
export function conflictFieldLabel(t: TFunction, conflict: Conflict): string {
  return recordFieldLabel(t, conflict.entity, conflict.field);
}

/** The label of a field of a record of kind `entity`, as a change names it. */
export function recordFieldLabel(t: TFunction, entity: string, field: string): string {
  if (field.startsWith("answers.")) {
    const last = field.split(".").pop() ?? field;
    return t(`checklist.fields.${last}`, { defaultValue: field });
  }
  return t(`fields.${entity}.${field}`, { defaultValue: field });
}

/** A stored value as the person reads it. */
export function displayValue(t: TFunction, value: unknown): string {
  if (value === null || value === undefined || value === "") return t("conflicts.empty");
  if (typeof value === "number") return formatNumber(value, t("language_code"));
  if (typeof value === "boolean") return value ? t("conflicts.yes") : t("conflicts.no");
  return String(value);
}
