// Fields written on two devices without either seeing the other: both values side by side, who
// wrote each and when, and a button to keep one. The choice syncs to every device.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { LoadFailed, Loading } from "../components/ScreenState";
import { ipc, toAppError, type AppError, type Conflict } from "../ipc";
import { intlLocale } from "../lib/dates";
import { generalMessage } from "../lib/errors";
import { useNav } from "../lib/nav";
import { conflictFieldLabel, displayValue, useSyncState, versionTime } from "../lib/sync";
import { useMayAct } from "../lib/member";

function when(version: string, language: string): string {
  return new Intl.DateTimeFormat(intlLocale(language), { dateStyle: "short", timeStyle: "short", timeZone: "Europe/Istanbul" }).format(versionTime(version));
}

export function Conflicts() {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const { view, refresh } = useSyncState();
  const mayResolve = useMayAct("team_lead");
  const [conflicts, setConflicts] = useState<Conflict[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const load = () => ipc.conflicts().then(setConflicts, (e) => setError(toAppError(e)));
  useEffect(() => {
    load();
  }, []);

  if (error && !conflicts) return <LoadFailed error={error} />;
  if (!conflicts) return <Loading />;
  const me = view?.member ?? null;
  const who = (author: string | null, name: string | null) =>
    author && author === me ? t("conflicts.you") : (name ?? t("conflicts.someone_else"));

  async function keep(c: Conflict, value: unknown) {
    try {
      await ipc.resolveConflict(c.entity, c.entity_id, c.field, value);
      setError(null);
      await load();
      refresh();
    } catch (e) {
      setError(toAppError(e));
    }
  }

  return (
    <main className="screen conflicts-screen">
      <h1>{t("conflicts.title")}</h1>
      <p>{t("conflicts.body")}</p>
      {error ? (
        <p className="banner banner-error" role="alert">
          {generalMessage(t, error)}
        </p>
      ) : null}
      {conflicts.length === 0 ? <p className="empty">{t("conflicts.none")}</p> : null}
      {conflicts.length > 0 && !mayResolve ? (
        <p className="banner" data-testid="lead-only">{t("conflicts.lead_only")}</p>
      ) : null}
      <ul className="conflict-list">
        {conflicts.map((c) => (
          <li key={`${c.entity_id}-${c.field}-${c.other.version}`} className="card conflict">
            <h2>
              {c.mother_id ? (
                <button type="button" className="link" dir="auto" onClick={() => go({ name: "mother", id: c.mother_id! })}>
                  {c.mother_name ?? t("conflicts.unknown_mother")}
                </button>
              ) : (
                t("conflicts.unknown_mother")
              )}
              {c.visit_number ? ` · ${t("mother.visit_title", { number: c.visit_number })}` : null}
              {" · "}
              {conflictFieldLabel(t, c)}
            </h2>
            <div className="conflict-values">
              {[
                { key: "shown", value: c.shown_value, author: c.shown_author, name: c.shown_author_name, version: c.shown_version },
                { key: "other", value: c.other.value, author: c.other.author, name: c.other_author_name, version: c.other.version },
              ].map((side) => (
                <div key={side.key} className={`conflict-value conflict-${side.key}`}>
                  <p className="value" dir="auto" data-value={side.key}>{displayValue(t, side.value)}</p>
                  <p className="meta">
                    {t(`conflicts.${side.key}`)} · <bdi>{who(side.author, side.name)}</bdi> · {when(side.version, i18n.language)}
                  </p>
                  {mayResolve ? (
                    <button type="button" name={`keep_${side.key}`} onClick={() => keep(c, side.value)}>
                      {t("conflicts.keep")}
                    </button>
                  ) : null}
                </div>
              ))}
            </div>
          </li>
        ))}
      </ul>
    </main>
  );
}
