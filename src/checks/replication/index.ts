import type { ReplicationFacts } from "../../sql/replication.js";
import { defineCheck, needsMysqlLogin } from "../check.js";
import { withSession } from "../session.js";
import { REPLICATION_IDS } from "./ids.js";
import { checkReplication } from "./judge.js";

/** This server's replication channels as a replica: TLS, certificate verification, versions (with credentials). */
export const replication = defineCheck<ReplicationFacts>({
  name: "replication",
  title: "this server's replication channels as a replica: TLS, source certificate verification, versions (needs a login)",
  aliases: ["repl"],
  command: "settings",
  findingIds: REPLICATION_IDS,
  skip: needsMysqlLogin,
  gather: (ctx) =>
    withSession(ctx, async (s) => {
      const { gatherReplication } = await import("../../sql/replication.js");
      return gatherReplication(s);
    }),
  judge: (f) => checkReplication(f),
  json: (f) => ({ replication: f.channels }),
  text: (f) => (f.channels.length ? [["Replication", `${f.channels.length} channel(s)`]] : []),
});
