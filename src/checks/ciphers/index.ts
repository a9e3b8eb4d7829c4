import { defineCheck, needsTls } from "../check.js";
import { enumeration, type ScanFacts } from "../scan.js";
import { CIPHERS_IDS } from "./ids.js";
import { ciphersJson, ciphersRows, judgeCiphers } from "./judge.js";

/** Every accepted cipher suite per version, the server's order, groups and DHE size, and the Mozilla profile met. */
export const ciphers = defineCheck<ScanFacts>({
  name: "ciphers",
  title: "the cipher suites accepted per version, server preference, key-exchange groups and DHE size",
  aliases: ["cipher", "suites"],
  command: "ciphers",
  findingIds: CIPHERS_IDS,
  skip: needsTls,
  gather: enumeration,
  judge: (s, policy) => judgeCiphers(s.facts, policy),
  json: (s) => ciphersJson(s.facts, s.engine),
  text: (s) => ciphersRows(s.facts),
  aborted: (s) => s.facts.abortedConnections,
});
