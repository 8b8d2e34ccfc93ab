// Find a mother by name (any spelling of Turkish letters, Arabic with or without vowel marks) or
// by identity number.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { StatusBadge } from "../components/StatusBadge";
import { ipc, toAppError, type AppError, type MotherSummary } from "../ipc";
import { generalMessage } from "../lib/errors";
import { useNav } from "../lib/nav";

export function Search() {
  const { t } = useTranslation();
  const { go } = useNav();
  const [query, setQuery] = useState("");
  const [results, setResults] = useState<MotherSummary[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  useEffect(() => {
    if (query.trim() === "") {
      setResults(null);
      return;
    }
    let current = true;
    ipc.searchMothers(query).then(
      (found) => current && setResults(found),
      (e) => current && setError(toAppError(e)),
    );
    return () => {
      current = false;
    };
  }, [query]);

  return (
    <main className="screen search">
      <header className="screen-header">
        <h1>{t("search.title")}</h1>
      </header>
      <input
        className="search-input"
        name="search"
        type="search"
        dir="auto"
        autoFocus
        placeholder={t("search.placeholder")}
        aria-label={t("search.placeholder")}
        value={query}
        onChange={(e) => setQuery(e.target.value)}
      />
      {error ? <p className="banner banner-error" role="alert">{generalMessage(t, error)}</p> : null}
      {results && results.length === 0 ? <p className="empty">{t("search.none")}</p> : null}
      <ul className="entry-list">
        {(results ?? []).map((m) => (
          <li key={m.id}>
            <button type="button" className="entry" data-mother={m.id} onClick={() => go({ name: "mother", id: m.id })}>
              <span className="entry-main">
                <span className="entry-name" dir="auto">{m.full_name}</span>
                <span className="entry-place">{m.neighbourhood ?? ""}</span>
              </span>
              <span className="entry-visit">{t("today.day_of_life", { day: m.day_of_life })}</span>
              <span className="entry-window">{m.next_visit ? t("today.visit", { number: m.next_visit }) : t("search.all_closed")}</span>
              {m.next_status ? <StatusBadge status={m.next_status} /> : <span />}
            </button>
          </li>
        ))}
      </ul>
    </main>
  );
}
