/** Which key this browser sends, from `GET /api/keys/me`: the shell offers the Keys screen to admins. */

import { useEffect, useState } from "react";
import { whoAmI } from "../api/endpoints";
import type { Caller } from "../api/types";

/** The caller, read again when `when` changes (a navigation: the key may have been replaced); null until known or when refused. */
export function useCaller(when: unknown): Caller | null {
  const [caller, setCaller] = useState<Caller | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    whoAmI(controller.signal).then(
      (found) => {
        if (!controller.signal.aborted) setCaller(found);
      },
      () => {
        if (!controller.signal.aborted) setCaller(null);
      },
    );
    return () => controller.abort();
  }, [when]);
  return caller;
}

/** Keys are managed by admin keys, and by anyone while the API is open (the first key closes it). */
export function managesKeys(caller: Caller | null): boolean {
  return caller !== null && caller.scope === "admin";
}
