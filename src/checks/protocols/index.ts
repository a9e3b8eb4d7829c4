import { defineCheck, needsTls } from "../check.js";
import { enumeration, type ScanFacts } from "../scan.js";
import { PROTOCOLS_IDS } from "./ids.js";
import { judgeProtocols, protocolsJson, protocolsRows } from "./judge.js";

/** Which TLS versions the server accepts, by handshakes (one enumeration feeds protocols and ciphers). */
export const protocols = defineCheck<ScanFacts>({
  name: "protocols",
  title: "the TLS versions the server accepts, by handshakes",
  aliases: ["protocol", "versions"],
  command: "ciphers",
  findingIds: PROTOCOLS_IDS,
  skip: needsTls,
  gather: enumeration,
  judge: (s, policy) => judgeProtocols(s.facts, policy),
  json: (s) => protocolsJson(s.facts),
  text: (s) => protocolsRows(s.facts),
  aborted: (s) => s.facts.abortedConnections,
});
