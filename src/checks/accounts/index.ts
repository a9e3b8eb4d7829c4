import { defineCheck, needsMysqlLogin } from "../check.js";
import { scannedVersions } from "../scan.js";
import { loginFacts, withSession } from "../session.js";
import { ACCOUNTS_IDS } from "./ids.js";
import { acceptedCiphers, accountsJson, accountsOverview, judgeAccountsCheck, type AccountsCheckFacts } from "./judge.js";

/** Every account's REQUIRE clause, plugin and lock, and who can log in over clear text (with credentials). */
export const accounts = defineCheck<AccountsCheckFacts>({
  name: "accounts",
  title: "every account's REQUIRE clause, auth plugin and lock, and who can log in over clear text (needs a login)",
  aliases: ["account"],
  command: "accounts",
  findingIds: ACCOUNTS_IDS,
  skip: needsMysqlLogin,
  async gather(ctx) {
    const [{ facts, login }, scan] = await Promise.all([
      withSession(ctx, async (s) => {
        const { gatherAccounts } = await import("../../sql/accounts.js");
        return { facts: await gatherAccounts(s), login: loginFacts(ctx, s) };
      }),
      scannedVersions(ctx),
    ]);
    const accepted = scan ? acceptedCiphers(scan) : undefined;
    const ownLogin = ctx.runs("settings") ? undefined : { probeOfferedTls: ctx.handshake.tls.offered, ...(facts.tlsAvailable !== undefined ? { haveSsl: facts.tlsAvailable ? "YES" : "NO" } : {}) };
    return { accounts: facts, ...(accepted ? { accepted } : {}), login, ...(ownLogin ? { ownLogin } : {}) };
  },
  judge: judgeAccountsCheck,
  json: (f) => ({ ...accountsJson(f.accounts), login: f.login.json }),
  text: accountsOverview,
});
