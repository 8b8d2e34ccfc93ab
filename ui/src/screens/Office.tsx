// The team lead's office: the team's coverage this month, the programme report, the care-package
// stock, every tablet's sync state, her team's members and codes (the team lead only), the
// conflicts waiting, the hospital referral import and the programme's exports.
import { useContext } from "react";
import { useTranslation } from "react-i18next";

import { AssignArea } from "../components/AssignArea";
import { Coverage } from "../components/Coverage";
import { Exports } from "../components/Exports";
import { ProgrammeReport } from "../components/ProgrammeReport";
import { ReferralImport } from "../components/ReferralImport";
import { Stock } from "../components/Stock";
import { Tablets } from "../components/Tablets";
import { Team } from "../components/Team";
import { MemberContext, useTeamLead } from "../lib/member";
import { useNav } from "../lib/nav";
import { useSyncState } from "../lib/sync";

export function Office() {
  const { t } = useTranslation();
  const { go } = useNav();
  const { view } = useSyncState();
  const conflicts = view?.status.open_conflicts ?? 0;
  const lead = useTeamLead();
  // The programme's exports: the team lead and doctors (lohusa_core::access::may_export).
  const role = useContext(MemberContext)?.role;
  const mayExport = role === "team_lead" || role === "doctor";
  return (
    <main className="screen office">
      <header className="screen-header">
        <h1>{t("office.title")}</h1>
      </header>
      <Coverage />
      {mayExport ? <ProgrammeReport /> : null}
      <Stock lead={lead} />
      <Tablets />
      {lead ? <Team /> : null}
      {lead ? <AssignArea /> : null}
      <section className="card office-conflicts" aria-labelledby="office-conflicts-title">
        <h2 id="office-conflicts-title">{t("office.conflicts.title")}</h2>
        <p data-testid="office-conflicts">{t("office.conflicts.count", { n: conflicts })}</p>
        <button type="button" name="open_conflicts" className="secondary" onClick={() => go({ name: "conflicts" })}>
          {t("office.conflicts.open")}
        </button>
      </section>
      <ReferralImport />
      {mayExport ? <Exports /> : null}
    </main>
  );
}
