// The nurse's Today list: late visits first, then due, then this week's; one tap opens the mother.
import { useContext, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { StatusBadge } from "../components/StatusBadge";
import { lowKinds } from "../components/Stock";
import { ipc, toAppError, type AppError, type Balance, type TodayEntry, type TodayList } from "../ipc";
import { longDate, shortDate } from "../lib/dates";
import { LoadFailed, Loading } from "../components/ScreenState";
import { MemberContext } from "../lib/member";
import { useNav } from "../lib/nav";

export function Today() {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const [list, setList] = useState<TodayList | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  /** Her own mothers (and those nobody has yet), or the whole team's. */
  const [mine, setMine] = useState(() => sessionStorage.getItem("today.scope") !== "team");
  const me = useContext(MemberContext);
  /** Her bag of care packages, when she was handed some. */
  const [bag, setBag] = useState<Balance | null>(null);

  useEffect(() => {
    if (!me) return;
    ipc.stock().then(
      (view) => setBag(view.balances.find((b) => b.holder.type === "nurse" && b.holder.member === me.id) ?? null),
      () => setBag(null),
    );
  }, [me]);

  useEffect(() => {
    sessionStorage.setItem("today.scope", mine ? "mine" : "team");
    ipc.todayList(mine).then(setList, (e) => setError(toAppError(e)));
  }, [mine]);

  if (error) return <LoadFailed error={error} />;
  if (!list) return <Loading />;

  const lang = i18n.language;
  const empty = list.late.length + list.due.length + list.upcoming.length === 0;
  const group = (name: "late" | "due" | "upcoming", entries: TodayEntry[]) =>
    entries.length === 0 ? null : (
      <section className={`today-group today-${name}`} data-group={name}>
        <h2>
          {t(`today.${name}`)} <span className="count">{entries.length}</span>
        </h2>
        <ul className="entry-list">
          {entries.map((entry) => (
            <li key={`${entry.mother_id}-${entry.number}-${entry.extra_visit ?? ""}`}>
              <button
                type="button"
                className={entry.extra_visit ? "entry entry-extra" : "entry"}
                data-mother={entry.mother_id}
                data-visit={entry.number}
                data-extra={entry.extra_visit ?? undefined}
                onClick={() =>
                  go(
                    entry.extra_visit
                      ? { name: "visit", motherId: entry.mother_id, number: entry.number, extra: entry.extra_visit }
                      : { name: "mother", id: entry.mother_id },
                  )
                }
              >
                <span className="entry-main">
                  <span className="entry-name" dir="auto">{entry.full_name}</span>
                  <span className="entry-place">{entry.neighbourhood ?? ""}</span>
                </span>
                <span className="entry-visit">
                  {entry.extra_visit ? t("extra.title") : t("today.visit", { number: entry.number })} · {t("today.day_of_life", { day: entry.day_of_life })}
                  {entry.reason ? <span className="entry-reason" dir="auto">{entry.reason}</span> : null}
                  {entry.no_visit_yet && !entry.extra_visit && entry.number > 1 ? <span className="entry-first" data-first="true">{t("today.no_visit_yet")}</span> : null}
                  {!mine || !entry.assigned ? (
                    <span className="entry-assigned" dir="auto" data-assigned={entry.assigned_to ?? ""}>
                      {entry.assigned ? t("today.assigned_to", { name: entry.assigned_to ?? t("case.someone") }) : t("today.unassigned")}
                    </span>
                  ) : null}
                </span>
                <span className="entry-window">
                  {entry.extra_visit
                    ? t("extra.on", { date: shortDate(entry.opens_on, lang) })
                    : name === "late"
                    ? t("today.closed_on", { date: shortDate(entry.closes_on, lang) })
                    : name === "upcoming"
                      ? t("today.opens_on", { date: shortDate(entry.opens_on, lang) })
                      : t("today.closes_on", { date: shortDate(entry.closes_on, lang) })}
                </span>
                <StatusBadge status={entry.status} />
              </button>
            </li>
          ))}
        </ul>
      </section>
    );

  return (
    <main className="screen today">
      <header className="screen-header">
        <h1>{t("today.title")}</h1>
        <p className="subtitle">{longDate(list.today, lang)}</p>
        <div className="segmented" role="group" aria-label={t("today.scope")}>
          <button type="button" name="today_mine" aria-pressed={mine} className={mine ? "active" : ""} onClick={() => setMine(true)}>
            {t("today.mine")}
          </button>
          <button type="button" name="today_team" aria-pressed={!mine} className={!mine ? "active" : ""} onClick={() => setMine(false)}>
            {t("today.team")}
          </button>
        </div>
      </header>
      {bag && lowKinds(bag, t).length > 0 ? (
        <p className="banner banner-warning" role="status" data-testid="low-stock">
          {t("today.low_stock", { kinds: lowKinds(bag, t).join(", ") })}
        </p>
      ) : null}
      {empty ? (
        <div className="card empty">
          <p>{mine ? t("today.empty_mine") : t("today.empty")}</p>
          {mine ? (
            <button type="button" className="secondary" name="today_team_empty" onClick={() => setMine(false)}>
              {t("today.team")}
            </button>
          ) : null}
          <button type="button" className="primary" onClick={() => go({ name: "register" })}>
            {t("today.register")}
          </button>
        </div>
      ) : null}
      {group("late", list.late)}
      {group("due", list.due)}
      {group("upcoming", list.upcoming)}
    </main>
  );
}
