import { defineCheck, needsMysqlLogin } from "../check.js";
import { scannedVersions } from "../scan.js";
import { loginFacts, withSession } from "../session.js";
import { SETTINGS_IDS } from "./ids.js";
import { judgeSettings, settingsOverview, settingsSection, type SettingsCheckFacts } from "./judge.js";

/** The server's TLS variables, status, TLS library and TLS channels, and this tool's own login (with credentials). */
export const settings = defineCheck<SettingsCheckFacts>({
  name: "settings",
  title: "the server's TLS variables, status, TLS library and TLS channels, and how this tool's login went (needs a login)",
  aliases: ["setting"],
  command: "settings",
  findingIds: SETTINGS_IDS,
  skip: needsMysqlLogin,
  async gather(ctx) {
    const [{ gathered, login }, scan] = await Promise.all([
      withSession(ctx, async (s) => {
        const { gatherSettings } = await import("../../sql/settings.js");
        return { gathered: await gatherSettings(s), login: loginFacts(ctx, s) };
      }),
      scannedVersions(ctx),
    ]);
    return { settings: { ...gathered, probeOfferedTls: ctx.handshake.tls.offered }, ...(scan ? { scan } : {}), login, now: new Date() };
  },
  judge: (f, policy) => judgeSettings(f.settings, policy, f.now, f.scan),
  json: settingsSection,
  text: settingsOverview,
});
