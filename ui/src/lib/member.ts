// The member using the app, for screens that depend on her role. The server enforces every
// role on every change; the screens only spare her a form whose result it would refuse.
import { createContext, useContext } from "react";

import type { LocalMember, Role } from "../ipc";

export const MemberContext = createContext<LocalMember | null>(null);

/**
 * Whether the member using the app may do something only `roles` may. A member not yet confirmed
 * by the server (no role, before the tablet is connected) records as usual: the server decides
 * at the first sync.
 */
export function useMayAct(...roles: Role[]): boolean {
  const member = useContext(MemberContext);
  return !member?.role || roles.includes(member.role);
}

/** Whether the member using the app leads the team (or runs the server): the team tools. */
export function useTeamLead(): boolean {
  const member = useContext(MemberContext);
  return member?.role === "team_lead" || member?.role === "admin";
}
