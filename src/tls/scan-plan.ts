import { DEFAULT_MAX_ABORTED, ErrorBudget } from "../net/error-budget.js";
import type { Target } from "../net/target.js";
import type { Engine } from "./enumerate.js";

/** True for targets the server exempts from max_connect_errors: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host) || host === "::1" || host.toLowerCase() === "localhost";
}

/** The error budget and engine a run uses: a loopback target without --max-aborted is unlimited and uses the raw engine. */
export function planRun(target: Pick<Target, "host">, o: { maxAborted?: number; engine: "auto" | Engine }): { budget: ErrorBudget; engine: Engine } {
  const limit = o.maxAborted ?? (isLoopbackHost(target.host) ? undefined : DEFAULT_MAX_ABORTED);
  return { budget: new ErrorBudget(limit), engine: o.engine === "auto" ? (limit === undefined ? "raw" : "node") : o.engine };
}
