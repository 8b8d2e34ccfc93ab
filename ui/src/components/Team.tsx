// The team lead's tools for her team (needs the server): its members with their roles and
// devices, adding one (her one-time member code is shown once), a new code for a member, a code
// to enroll a new tablet, and revoking a member.
import { useCallback, useContext, useEffect, useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

import { ipc, ROLE_VALUES, toAppError, type AppError, type IssuedCode, type Role, type TeamMember } from "../ipc";
import { numericDate, timeOfDay } from "../lib/dates";
import { errorsByField, generalMessage } from "../lib/errors";
import { MemberContext } from "../lib/member";
import { syncErrorMessage } from "../lib/sync";
import { SelectField, TextField } from "./Field";

// Roles a team lead gives; the admin role is the server operator's.
const ROLES = ROLE_VALUES.filter((r): r is Role => r !== "admin");

/** A code shown once, with whom it is for and until when it works. */
export function CodeBox({ issued, forWhom }: { issued: IssuedCode; forWhom: string }) {
  const { t } = useTranslation();
  const until = new Date(issued.expires_ms).toISOString();
  return (
    <div className="banner banner-info code-box" role="status" data-testid="issued-code">
      <span>{forWhom}</span>
      <strong className="code" dir="ltr" data-code={issued.code}>{issued.code}</strong>
      <span>{t("team.code_valid", { date: numericDate(until.slice(0, 10)), time: timeOfDay(until) })}</span>
    </div>
  );
}

export function Team() {
  const { t } = useTranslation();
  const [members, setMembers] = useState<TeamMember[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [issued, setIssued] = useState<{ code: IssuedCode; forWhom: string } | null>(null);
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role | null>("nurse");
  const [confirm, setConfirm] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  // She does not revoke herself from here (she would lock herself out).
  const me = useContext(MemberContext);

  const load = useCallback(() => {
    ipc.teamMembers().then(
      (found) => {
        setMembers(found);
        setError(null);
      },
      (e) => setError(toAppError(e)),
    );
  }, []);
  useEffect(load, [load]);

  async function act(work: () => Promise<void>) {
    setBusy(true);
    try {
      await work();
      setError(null);
    } catch (e) {
      setError(toAppError(e));
    } finally {
      setBusy(false);
    }
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    await act(async () => {
      const code = await ipc.addTeamMember({ name, role: role ?? "nurse" });
      setIssued({ code, forWhom: t("team.code_for", { name: name.trim() }) });
      setName("");
      load();
    });
  }

  const errors = errorsByField(t, error);
  const problem =
    error && error.kind !== "validation"
      ? error.kind === "sync"
        ? `${t("office.tablets.needs_server")} ${syncErrorMessage(t, error.code)}`
        : generalMessage(t, error)
      : null;

  return (
    <section className="card team" aria-labelledby="team-title" data-testid="team">
      <h2 id="team-title">{t("team.title")}</h2>
      <p className="subtitle">{t("team.body")}</p>
      {problem ? <p className="banner banner-error" role="alert" data-testid="team-error">{problem}</p> : null}
      {issued ? <CodeBox issued={issued.code} forWhom={issued.forWhom} /> : null}
      {members ? (
        <div className="table-scroll">
          <table className="team-table" data-testid="team-table">
            <thead>
              <tr>
                <th scope="col">{t("team.name")}</th>
                <th scope="col">{t("team.role")}</th>
                <th scope="col">{t("team.devices")}</th>
                <th scope="col">{t("team.actions")}</th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.num} data-member={m.num} className={m.active ? undefined : "revoked"}>
                  <th scope="row"><bdi>{m.name}</bdi></th>
                  <td>{t(`roles.${m.role}`)}</td>
                  <td>{m.active ? (m.devices.length > 0 ? t("team.on_devices", { n: m.devices.length }) : t("team.not_signed_in")) : t("team.revoked")}</td>
                  <td>
                    <div className="row-actions">
                    {m.active ? (
                      <>
                        <button type="button" className="secondary" name={`member_code_${m.num}`} disabled={busy}
                          onClick={() => act(async () => setIssued({ code: await ipc.newMemberCode(m.num), forWhom: t("team.code_for", { name: m.name }) }))}>
                          {t("team.new_code")}
                        </button>
                        {m.id !== null && m.id === me?.id ? null : confirm === m.num ? (
                          <button type="button" className="danger" name={`revoke_member_confirm_${m.num}`} disabled={busy}
                            onClick={() => act(async () => { await ipc.revokeTeamMember(m.num); setConfirm(null); load(); })}>
                            {t("team.revoke_confirm")}
                          </button>
                        ) : (
                          <button type="button" className="secondary" name={`revoke_member_${m.num}`} onClick={() => setConfirm(m.num)}>
                            {t("team.revoke")}
                          </button>
                        )}
                      </>
                    ) : null}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <form className="team-add" onSubmit={add} noValidate>
        <h3>{t("team.add_title")}</h3>
        <TextField name="new_member_name" label={t("team.name")} value={name} onChange={(v) => { setName(v); setError(null); }} error={errors.name} dir="auto" />
        <SelectField name="new_member_role" label={t("team.role")} value={role} placeholder={t("team.choose_role")}
          options={ROLES.map((r) => ({ value: r, label: t(`roles.${r}`) }))} onChange={setRole} />
        <div className="actions">
          <button type="submit" className="primary" name="add_team_member" disabled={busy}>
            {t("team.add")}
          </button>
          <button type="button" className="secondary" name="new_enrollment_code" disabled={busy}
            onClick={() => act(async () => setIssued({ code: await ipc.newEnrollmentCode(), forWhom: t("team.code_for_tablet") }))}>
            {t("team.enrollment_code")}
          </button>
        </div>
      </form>
    </section>
  );
}
