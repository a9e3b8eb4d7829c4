import { defineCheck, needsMysqlLogin } from "../check.js";
import { scannedVersions } from "../scan.js";
import { loginFacts, session } from "../session.js";
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
    const s = await session(ctx);
    const { gatherAccounts } = await import("../../sql/accounts.js");
    const [facts, scan] = await Promise.all([gatherAccounts(s), scannedVersions(ctx)]);
    const accepted = scan ? acceptedCiphers(scan) : undefined;
    const ownLogin = ctx.runs("settings") ? undefined : { probeOfferedTls: ctx.handshake.tls.offered, ...(facts.tlsAvailable !== undefined ? { haveSsl: facts.tlsAvailable ? "YES" : "NO" } : {}) };
    return { accounts: facts, ...(accepted ? { accepted } : {}), login: loginFacts(ctx, s), ...(ownLogin ? { ownLogin } : {}) };
  },
  judge: judgeAccountsCheck,
  json: (f) => ({ ...accountsJson(f.accounts), login: f.login.json }),
  text: accountsOverview,
});
