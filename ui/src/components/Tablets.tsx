// Every tablet of the team as the server knows it: who uses it, its last successful sync, what
// was waiting on it then (changes to send, conflicts, refused changes) and its app version. A
// tablet silent for days stands out. Needs the server; offline it says so.
import { useCallback, useEffect, useState } from "react";
import { useTranslation } from "react-i18next";

import { ipc, toAppError, type AppError, type TeamDevice, type TeamDevices } from "../ipc";
import { generalMessage } from "../lib/errors";
import { useTeamLead } from "../lib/member";
import { syncErrorMessage, timeAgo } from "../lib/sync";

const DAY_MS = 86_400_000;

export function isSilent(device: TeamDevice, days: number, now: number = Date.now()): boolean {
  return device.last_sync_ms === null || now - device.last_sync_ms > days * DAY_MS;
}

export function Tablets() {
  const { t, i18n } = useTranslation();
  const [devices, setDevices] = useState<TeamDevices | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [busy, setBusy] = useState(false);
  const lead = useTeamLead();
  const [confirm, setConfirm] = useState<string | null>(null);

  const load = useCallback(() => {
    setBusy(true);
    ipc.teamDevices().then(
      (found) => {
        setDevices(found);
        setError(null);
        setBusy(false);
      },
      (e) => {
        setError(toAppError(e));
        setBusy(false);
      },
    );
  }, []);
  useEffect(load, [load]);

  const when = (ms: number | null) => (ms === null ? t("office.tablets.never") : timeAgo(new Date(ms).toISOString(), i18n.language));
  const problem = error
    ? error.kind === "sync"
      ? `${t("office.tablets.needs_server")} ${syncErrorMessage(t, error.code)}`
      : generalMessage(t, error)
    : null;

  return (
    <section className="card tablets" aria-labelledby="tablets-title">
      <h2 id="tablets-title">{t("office.tablets.title")}</h2>
      <button type="button" name="refresh_tablets" className="secondary" onClick={load} disabled={busy}>
        {busy ? t("common.loading") : t("office.tablets.refresh")}
      </button>
      {problem ? <p className="banner banner-error" role="alert" data-testid="tablets-error">{problem}</p> : null}
      {devices ? (
        <div className="table-scroll">
          <table className="tablets-table" data-testid="tablets-table">
            <caption>{t("office.tablets.caption", { days: devices.silent_after_days })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("office.tablets.device")}</th>
                <th scope="col">{t("office.tablets.member")}</th>
                <th scope="col">{t("office.tablets.last_sync")}</th>
                <th scope="col">{t("office.tablets.pending")}</th>
                <th scope="col">{t("office.tablets.conflicts")}</th>
                <th scope="col">{t("office.tablets.refused")}</th>
                <th scope="col">{t("office.tablets.version")}</th>
                {lead ? <th scope="col">{t("team.actions")}</th> : null}
              </tr>
            </thead>
            <tbody>
              {devices.devices.map((device) => {
                const silent = isSilent(device, devices.silent_after_days);
                const report = device.report;
                return (
                  <tr key={device.id} className={silent ? "silent" : undefined} data-device={device.id}>
                    <th scope="row" dir="auto">
                      {device.name}
                      {device.id === devices.this_device ? <span className="tag">{t("office.tablets.this_one")}</span> : null}
                    </th>
                    <td dir="auto">{report?.member ?? "—"}</td>
                    <td>
                      {when(device.last_sync_ms)}
                      {silent ? <span className="tag tag-warning">{t("office.tablets.silent")}</span> : null}
                    </td>
                    <td className={report && report.pending > 0 ? "attention" : undefined}>{report?.pending ?? "—"}</td>
                    <td className={report && report.conflicts > 0 ? "attention" : undefined}>{report?.conflicts ?? "—"}</td>
                    <td className={report && report.quarantined > 0 ? "attention" : undefined}>{report?.quarantined ?? "—"}</td>
                    <td>{report?.app_version ?? "—"}</td>
                    {lead ? (
                      <td>
                        <div className="row-actions">
                        {device.id === devices.this_device ? null : confirm === device.id ? (
                          <button type="button" className="danger" name={`revoke_device_confirm_${device.id}`}
                            onClick={() => ipc.revokeTeamDevice(device.id).then(() => { setConfirm(null); load(); }, (e) => setError(toAppError(e)))}>
                            {t("office.tablets.revoke_confirm")}
                          </button>
                        ) : (
                          <button type="button" className="secondary" name={`revoke_device_${device.id}`} onClick={() => setConfirm(device.id)}>
                            {t("team.revoke")}
                          </button>
                        )}
                        </div>
                      </td>
                    ) : null}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
