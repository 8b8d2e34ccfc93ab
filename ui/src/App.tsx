// The app shell: a top bar with the screens and the language, and the current screen.
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { LANGUAGES, setLanguage, type UiLanguage } from "./i18n";
import { ipc, toAppError, type AppError, type AppStatus } from "./ipc";
import { LoadFailed, Loading } from "./components/ScreenState";
import { MemberContext } from "./lib/member";
import { NavContext, type Route } from "./lib/nav";
import { SyncBadge } from "./components/SyncBadge";
import { Conflicts } from "./screens/Conflicts";
import { Mother } from "./screens/Mother";
import { Office } from "./screens/Office";
import { Register } from "./screens/Register";
import { FollowUp } from "./screens/FollowUp";
import { Search } from "./screens/Search";
import { Sync } from "./screens/Sync";
import { Today } from "./screens/Today";
import { Visit } from "./screens/Visit";
import { Welcome } from "./screens/Welcome";

export function App() {
  const { t, i18n } = useTranslation();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [route, setRoute] = useState<Route>({ name: "today" });

  useEffect(() => {
    ipc.appStatus().then(setStatus, (e) => setError(toAppError(e)));
  }, []);

  const go = (next: Route) => {
    setRoute(next);
    window.scrollTo?.({ top: 0 });
  };

  if (error) return <LoadFailed error={error} />;
  if (!status) return <Loading />;
  if (!status.member) return <Welcome enrolled={status.enrolled} onDone={(member) => setStatus({ ...status, member })} />;

  const tab = (name: "today" | "register" | "search" | "followup" | "office") => (
    <button
      type="button"
      name={`nav_${name}`}
      className={route.name === name ? "tab active" : "tab"}
      aria-current={route.name === name ? "page" : undefined}
      onClick={() => go({ name })}
    >
      {t(`nav.${name}`)}
    </button>
  );

  return (
    <MemberContext.Provider value={status.member}>
    <NavContext.Provider value={{ route, go }}>
      <div className="app">
        <nav className="topbar">
          <span className="brand">{t("app.name")}</span>
          <div className="tabs">
            {tab("today")}
            {tab("register")}
            {tab("search")}
            {tab("followup")}
            {tab("office")}
          </div>
          <SyncBadge />
          <span className="member" dir="auto">
            {status.member.name}
            <span className="role"> · {t(status.member.role ? `roles.${status.member.role}` : "roles.unconfirmed")}</span>
          </span>
          <div className="language" role="group" aria-label={t("top.language")}>
            {LANGUAGES.map((language: UiLanguage) => (
              <button
                type="button"
                key={language}
                name={`lang_${language}`}
                className={i18n.language === language ? "lang active" : "lang"}
                onClick={() => setLanguage(language)}
              >
                {language.toUpperCase()}
              </button>
            ))}
          </div>
        </nav>
        {route.name === "today" && <Today />}
        {route.name === "register" && <Register />}
        {route.name === "search" && <Search />}
        {route.name === "followup" && <FollowUp />}
        {route.name === "office" && <Office />}
        {route.name === "sync" && <Sync />}
        {route.name === "conflicts" && <Conflicts />}
        {route.name === "mother" && <Mother key={`${route.id}-${route.notice ?? ""}`} id={route.id} notice={route.notice} />}
        {route.name === "visit" && <Visit key={`${route.motherId}-${route.number}-${route.extra ?? ""}`} motherId={route.motherId} number={route.number} extra={route.extra} memberName={status.member.name} />}
      </div>
    </NavContext.Provider>
    </MemberContext.Provider>
  );
}
