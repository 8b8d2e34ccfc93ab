// The session as the app shell knows it (phase, members, who is signed in), for screens that
// change it: adding a member to the tablet, locking.
import { createContext, useContext } from "react";

import type { AppStatus } from "../ipc";

export interface Session {
  status: AppStatus;
  /** Shows a status the Rust side returned (after signing in, adding a member, locking). */
  update: (status: AppStatus) => void;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session | null {
  return useContext(SessionContext);
}
