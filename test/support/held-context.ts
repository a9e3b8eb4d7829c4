// A target's check context as the audit makes it (src/run/audit.ts), with its end-of-target cleanups held back until
// finish(): for tests of what the checks share (the login, the scheduler) and of when it ends. Generic over the
// context's type, so that tests of the sources and of the compiled build (dist/) both use it.
interface Held {
  runs: (name: string) => boolean;
  onDone: (fn: () => Promise<void> | void) => void;
  shared: <T>(key: string, gather: () => Promise<T>) => Promise<T>;
}

export function heldContext<C extends Held>(fields: Omit<C, keyof Held>): { ctx: C; finish: () => Promise<void> } {
  const memo = new Map<string, Promise<unknown>>();
  const cleanups: (() => Promise<void> | void)[] = [];
  const held: Held = {
    runs: () => true,
    onDone: (fn) => void cleanups.push(fn),
    shared: <T>(key: string, gather: () => Promise<T>): Promise<T> => {
      if (!memo.has(key)) memo.set(key, gather());
      return memo.get(key) as Promise<T>;
    },
  };
  return { ctx: { ...fields, ...held } as C, finish: async () => void (await Promise.all(cleanups.map((fn) => fn()))) };
}

/** heldContext for a server on 127.0.0.1:port whose greeting offered TLS, with the run's login and scheduler. */
export function loopbackContext<C extends Held>(o: { port: number; login: unknown; policy: unknown; scheduler: unknown }): { ctx: C; finish: () => Promise<void> } {
  const target = { host: "127.0.0.1", port: o.port };
  return heldContext<C>({
    target,
    options: { login: o.login },
    policy: o.policy,
    handshake: { target, connectMs: 0, greeting: "handshake-v10", tls: { offered: true } },
    scheduler: o.scheduler,
  } as unknown as Omit<C, keyof Held>);
}
