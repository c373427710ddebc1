/** Whether the actions editor offers `evaluate`: read once per screen from `/health` (`features.script_actions`). */

import { useEffect, useState } from "react";
import { getHealth } from "../api/endpoints";
import { scriptActionsAllowed } from "./health";

/** Whether the API accepts `evaluate` actions, from `/health`; false until it answers, or when it cannot. */
export async function loadScriptActions(signal?: AbortSignal): Promise<boolean> {
  try {
    return scriptActionsAllowed(await getHealth(signal));
  } catch {
    return false;
  }
}

export function useScriptActions(): boolean {
  const [allowed, setAllowed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    loadScriptActions(controller.signal).then((yes) => {
      if (!controller.signal.aborted) setAllowed(yes);
    });
    return () => controller.abort();
  }, []);
  return allowed;
}
