// Which screen is showing. A tiny router: the app has a handful of screens and no URLs to share.
import { createContext, useContext } from "react";

import type { MotherId, VisitNumber } from "../ipc";

export type Route =
  | { name: "today" }
  | { name: "register" }
  | { name: "search" }
  | { name: "followup" }
  | { name: "office" }
  | { name: "sync" }
  | { name: "conflicts" }
  | { name: "mother"; id: MotherId; notice?: string }
  | { name: "correct_mother"; id: MotherId }
  | { name: "visit"; motherId: MotherId; number: VisitNumber; extra?: string };

export interface Nav {
  route: Route;
  go: (route: Route) => void;
}

export const NavContext = createContext<Nav>({ route: { name: "today" }, go: () => {} });

export function useNav(): Nav {
  return useContext(NavContext);
}
