import type { TargetScheduler } from "../net/scheduler.js";
import type { SqlSession } from "./login.js";

/** Opens a session in one of the scheduler's connection slots, held until the session's close() (no scheduler: no cap). */
export async function inSlot(scheduler: TargetScheduler | undefined, open: () => Promise<SqlSession>): Promise<SqlSession> {
  if (!scheduler) return open();
  const release = await scheduler.slot();
  let s: SqlSession;
  try {
    s = await open();
  } catch (err) {
    release();
    throw err;
  }
  const close = s.close.bind(s);
  s.close = async () => {
    try {
      await close();
    } finally {
      release();
    }
  };
  return s;
}
