// The sync screen: enroll this tablet with the team's server, then see what is safe on it, what
// is waiting, what went wrong in plain words, and sync now with progress.
import { useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { TextField } from "../components/Field";
import { ScreeningTexts } from "../components/ScreeningTexts";
import { Loading } from "../components/ScreenState";
import { ipc, toAppError, type AppError, type Refused, type SyncStatus, type SyncView } from "../ipc";
import { errorsByField, generalMessage } from "../lib/errors";
import { useNav } from "../lib/nav";
import { useSession } from "../lib/session";
import { PinFields } from "../components/PinFields";
import { recordFieldLabel, syncErrorMessage, timeAgo, useSyncState } from "../lib/sync";

/** Whether the tablet may be handed over (or wiped): everything made here is on the server. */
function HandOver({ status }: { status: SyncStatus }) {
  const { t } = useTranslation();
  const missing = [
    status.pending > 0 ? t("sync.hand_over.pending", { n: status.pending }) : null,
    status.quarantined > 0 ? t("sync.hand_over.refused", { n: status.quarantined }) : null,
    status.drafts > 0 ? t("sync.hand_over.drafts", { n: status.drafts }) : null,
  ].filter((m): m is string => m !== null);
  return (
    <div className={status.safe_to_hand_over ? "banner banner-ok hand-over" : "banner banner-warning hand-over"} data-testid="hand-over" data-safe={status.safe_to_hand_over}>
      <strong>{status.safe_to_hand_over ? t("sync.hand_over.safe") : t("sync.hand_over.not_safe")}</strong>
      {missing.length > 0 ? (
        <ul>
          {missing.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}

function Enroll({ onDone }: { onDone: () => void }) {
  const { t } = useTranslation();
  const [server, setServer] = useState("");
  const [code, setCode] = useState("");
  const [memberCode, setMemberCode] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const errors = errorsByField(t, error);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      await ipc.enrollDevice(server, code, memberCode);
      onDone();
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card narrow" onSubmit={submit}>
      <h2>{t("sync.enroll.title")}</h2>
      <p>{t("sync.enroll.body")}</p>
      <TextField name="server" label={t("sync.enroll.server")} hint={t("sync.enroll.server_hint")} value={server} onChange={(v) => { setServer(v); setError(null); }} error={errors.server} />
      <TextField name="code" label={t("sync.enroll.code")} hint={t("sync.enroll.code_hint")} value={code} onChange={(v) => { setCode(v); setError(null); }} error={errors.code} />
      <TextField name="member_code" label={t("sync.enroll.member_code")} hint={t("sync.enroll.member_code_hint")} value={memberCode} onChange={(v) => { setMemberCode(v); setError(null); }} error={errors.member_code} />
      {error && error.kind !== "validation" ? (
        <p className="banner banner-error" role="alert">
          {generalMessage(t, error)}
        </p>
      ) : null}
      <button type="submit" className="primary" name="enroll" disabled={busy}>
        {busy ? t("sync.enroll.busy") : t("sync.enroll.submit")}
      </button>
    </form>
  );
}

/** Who can sign in on this tablet, and adding one more with her member code and a PIN. */
function TabletMembers() {
  const { t } = useTranslation();
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const [pin, setPin] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  if (!session) return null;
  const errors = errorsByField(t, error);
  const edit = (set: (v: string) => void) => (v: string) => {
    set(v);
    setError(null);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    try {
      session!.update(await ipc.addMemberToDevice(code, pin, again));
      setOpen(false);
      setCode("");
      setPin("");
      setAgain("");
    } catch (err) {
      setError(toAppError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="card" data-testid="tablet-members">
      <h2>{t("tablet_members.title")}</h2>
      <ul className="plain">
        {session.status.members.map((m) => (
          <li key={m.id}>
            <bdi>{m.name}</bdi> · {t(m.role ? `roles.${m.role}` : "roles.unconfirmed")}
          </li>
        ))}
      </ul>
      {open ? (
        <form onSubmit={submit} noValidate>
          <p>{t("tablet_members.add_body")}</p>
          <TextField name="new_member_code" label={t("sync.enroll.member_code")} hint={t("sync.enroll.member_code_hint")} value={code} onChange={edit(setCode)} error={errors.member_code} />
          <PinFields pin={pin} again={again} onPin={edit(setPin)} onAgain={edit(setAgain)} errors={errors} />
          {error && error.kind !== "validation" ? (
            <p className="banner banner-error" role="alert">
              {generalMessage(t, error)}
            </p>
          ) : null}
          <div className="actions">
            <button type="submit" className="primary" name="add_member" disabled={busy}>
              {busy ? t("sync.enroll.busy") : t("tablet_members.add")}
            </button>
            <button type="button" onClick={() => setOpen(false)}>
              {t("common.cancel")}
            </button>
          </div>
        </form>
      ) : (
        <button type="button" className="secondary" name="open_add_member" onClick={() => setOpen(true)}>
          {t("tablet_members.add")}
        </button>
      )}
    </section>
  );
}

/** The changes the server refused, each with what it was about and why; none is lost. */
function RefusedList({ count }: { count: number }) {
  const { t } = useTranslation();
  const [refused, setRefused] = useState<Refused[]>([]);
  useEffect(() => {
    ipc.refusedChanges().then(setRefused, () => setRefused([]));
  }, [count]);
  return (
    <div className="banner banner-warning">
      <p>{t("sync.quarantined", { count })}</p>
      <ul className="refused-list">
        {refused.map((r, i) => (
          <li key={i} data-reason={r.reason}>
            <bdi>{r.mother_name ?? t("conflicts.unknown_mother")}</bdi>
            {" · "}
            {r.fields.map((f) => recordFieldLabel(t, r.entity, f)).join(", ")}
            {": "}
            {t(`sync.refused.${r.reason}`, { defaultValue: t("sync.refused.other") })}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Progress({ view }: { view: SyncView }) {
  const { t } = useTranslation();
  const p = view.progress;
  if (!view.running || !p) return null;
  const pushing = p.phase === "pushing" || (p.phase === "connecting" && p.to_push > 0);
  const fraction = pushing && p.to_push > 0 ? Math.min(1, p.pushed / p.to_push) : undefined;
  return (
    <div className="sync-progress" role="status">
      <p>
        {p.phase === "connecting"
          ? t("sync.progress.connecting")
          : pushing
            ? t("sync.progress.pushing", { done: p.pushed, total: p.to_push })
            : t("sync.progress.pulling", { done: p.pulled })}
      </p>
      <progress max={1} value={fraction} aria-label={t("sync.progress.label")} />
    </div>
  );
}

export function Sync() {
  const { t, i18n } = useTranslation();
  const { go } = useNav();
  const { view, refresh } = useSyncState();
  if (!view) return <Loading />;
  const { status } = view;
  if (!status.server) {
    return (
      <main className="screen">
        <Enroll onDone={refresh} />
        <ScreeningTexts />
      </main>
    );
  }
  const rows: [string, string, string?][] = [
    ["server", status.server],
    ["team", status.team ?? ""],
    ["last_success", status.last_success ? timeAgo(status.last_success, i18n.language) : t("sync.status.never")],
    ["pending", status.pending === 0 ? t("sync.status.nothing_pending") : t("sync.status.pending_count", { count: status.pending })],
  ];
  return (
    <main className="screen sync-screen">
      <section className="card">
        <h1>{t("sync.title")}</h1>
        <dl className="facts">
          {rows.map(([key, value]) => (
            <div key={key} className="fact">
              <dt>{t(`sync.status.${key}`)}</dt>
              <dd dir="auto" data-fact={key}>{value}</dd>
            </div>
          ))}
        </dl>
        {status.last_error ? (
          <p className="banner banner-error" role="alert" data-sync-error={status.last_error}>
            {syncErrorMessage(t, status.last_error)}
          </p>
        ) : null}
        {view.clock_skew_warning && status.clock_skew_ms !== null ? (
          <p className="banner banner-warning" role="alert">
            {Math.abs(status.clock_skew_ms) >= 2 * 3_600_000
              ? t("sync.clock_skew_hours", { hours: Math.round(Math.abs(status.clock_skew_ms) / 3_600_000) })
              : t("sync.clock_skew", { minutes: Math.round(Math.abs(status.clock_skew_ms) / 60000) })}
          </p>
        ) : null}
        {view.unencrypted ? <p className="banner banner-warning">{t("sync.unencrypted")}</p> : null}
        {status.quarantined > 0 ? <RefusedList count={status.quarantined} /> : null}
        <HandOver status={status} />
        <Progress view={view} />
        <div className="actions">
          <button
            type="button"
            className="primary"
            name="sync_now"
            disabled={view.running}
            onClick={() => {
              ipc.syncNow().then(refresh, refresh);
              window.setTimeout(refresh, 300);
            }}
          >
            {view.running ? t("sync.running") : t("sync.now")}
          </button>
          {status.open_conflicts > 0 ? (
            <button type="button" name="open_conflicts" onClick={() => go({ name: "conflicts" })}>
              {t("sync.review_conflicts", { count: status.open_conflicts })}
            </button>
          ) : null}
        </div>
      </section>
      <TabletMembers />
      <ScreeningTexts />
    </main>
  );
}
