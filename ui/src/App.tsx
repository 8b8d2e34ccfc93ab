// The app shell: the setup or sign-in screen while the store is closed; then a top bar with the
// screens, the language and the lock, and the current screen. It checks every few seconds
// whether the app locked itself (inactivity, a revocation) and tells the Rust side the member
// is still there while she types or taps.
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";

import { LANGUAGES, setLanguage, type UiLanguage } from "./i18n";
import { ipc, toAppError, type AppError, type AppStatus } from "./ipc";
import { LoadFailed, Loading } from "./components/ScreenState";
import { MemberContext } from "./lib/member";
import { SessionContext } from "./lib/session";
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
import { SignIn } from "./screens/SignIn";
import { Setup } from "./screens/Setup";

/** How often the shell asks whether the app is still open. */
const STATUS_EVERY_MS = 5000;
/** Activity is reported at most this often. */
const ACTIVITY_EVERY_MS = 30_000;

function LanguagePicker() {
  const { t, i18n } = useTranslation();
  return (
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
  );
}

export function App() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<AppStatus | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [route, setRoute] = useState<Route>({ name: "today" });
  const lastActivity = useRef(0);
  const phase = status?.phase;

  useEffect(() => {
    ipc.appStatus().then(setStatus, (e) => setError(toAppError(e)));
  }, []);

  // While open: notice when the app locked itself, and report activity that saves nothing.
  useEffect(() => {
    if (phase !== "open") return;
    const timer = setInterval(() => {
      ipc.appStatus().then(
        (next) => setStatus((current) => (current && current.phase === next.phase && current.sync_only === next.sync_only && current.member?.id === next.member?.id ? current : next)),
        () => undefined,
      );
    }, STATUS_EVERY_MS);
    const active = () => {
      const now = Date.now();
      if (now - lastActivity.current < ACTIVITY_EVERY_MS) return;
      lastActivity.current = now;
      ipc.stillHere().catch(() => undefined);
    };
    window.addEventListener("pointerdown", active);
    window.addEventListener("keydown", active);
    return () => {
      clearInterval(timer);
      window.removeEventListener("pointerdown", active);
      window.removeEventListener("keydown", active);
    };
  }, [phase]);

  const go = (next: Route) => {
    setRoute(next);
    window.scrollTo?.({ top: 0 });
  };
  const update = (next: AppStatus) => {
    setStatus(next);
    if (next.phase !== "open") setRoute({ name: "today" });
  };

  if (error) return <LoadFailed error={error} />;
  if (!status) return <Loading />;
  if (status.phase !== "open" || !status.member) {
    return (
      <div className="app">
        <nav className="topbar">
          <span className="brand">{t("app.name")}</span>
          <LanguagePicker />
        </nav>
        {status.phase === "setup" ? <Setup status={status} onDone={update} /> : <SignIn key={status.members.length} status={status} onDone={update} />}
      </div>
    );
  }
  const member = status.member;

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
  // Past the lease, or revoked with records the server does not have: only sync.
  const shown: Route = status.sync_only ? { name: "sync" } : route;

  return (
    <SessionContext.Provider value={{ status, update }}>
    <MemberContext.Provider value={member}>
    <NavContext.Provider value={{ route: shown, go }}>
      <div className="app">
        <nav className="topbar">
          <span className="brand">{t("app.name")}</span>
          {status.sync_only ? null : (
            <div className="tabs">
              {tab("today")}
              {tab("register")}
              {tab("search")}
              {tab("followup")}
              {tab("office")}
            </div>
          )}
          <SyncBadge />
          <span className="member">
            <bdi>{member.name}</bdi>
            {member.role ? <span className="role">{t(`roles.${member.role}`)}</span> : null}
          </span>
          <button type="button" name="lock" className="lock" onClick={() => ipc.lockApp().then(update, (e) => setError(toAppError(e)))}>
            {t("sign_in.lock")}
          </button>
          <LanguagePicker />
        </nav>
        {status.sync_only ? (
          <p className="banner banner-error" role="alert" data-testid="sync-only">
            {t(`sign_in.sync_only.${status.sync_only}`)}
          </p>
        ) : null}
        {shown.name === "today" && <Today />}
        {shown.name === "register" && <Register />}
        {shown.name === "correct_mother" && <Register key={shown.id} correcting={shown.id} />}
        {shown.name === "search" && <Search />}
        {shown.name === "followup" && <FollowUp />}
        {shown.name === "office" && <Office />}
        {shown.name === "sync" && <Sync />}
        {shown.name === "conflicts" && <Conflicts />}
        {shown.name === "mother" && <Mother key={`${shown.id}-${shown.notice ?? ""}`} id={shown.id} notice={shown.notice} />}
        {shown.name === "visit" && <Visit key={`${shown.motherId}-${shown.number}-${shown.extra ?? ""}`} motherId={shown.motherId} number={shown.number} extra={shown.extra} memberName={member.name} />}
      </div>
    </NavContext.Provider>
    </MemberContext.Provider>
    </SessionContext.Provider>
  );
}
