import { toAuditError } from "../../errors.js";
import { probe, type ProbeOptions } from "../../net/probe.js";
import type { Target } from "../../net/target.js";
import type { CheckInfo } from "../check.js";
import { connectivityJson, connectivityRows, judgeConnectivity, type ConnectivityFacts } from "./judge.js";
import { CONNECTIVITY_IDS } from "./ids.js";

/**
 * Connectivity, first and once per target (sslyze's server_connectivity): the greeting and one TLS upgrade. It
 * decides whether the other checks run; a failed upgrade is a finding (the audit goes on), any other failure
 * (unreachable, not MySQL, timed out) is thrown and makes the target not audited.
 */
export const connectivity = {
  name: "connectivity",
  title: "the greeting (version, flavour, capabilities, auth plugin) and one TLS upgrade; no credentials needed",
  command: "probe",
  section: "probe",
  findingIds: CONNECTIVITY_IDS,
  async gather(target: Target, options: ProbeOptions): Promise<ConnectivityFacts> {
    try {
      return { handshake: await probe(target, options) };
    } catch (err) {
      const e = toAuditError(err);
      if (e.details.step !== "tls-handshake") throw e;
      // The greeting offered TLS and the upgrade failed: the server is there, and the enumeration (our own
      // ClientHellos) may still see what node:tls could not, e.g. an RC4-only server.
      return { handshake: { target: { host: target.host, port: target.port }, connectMs: 0, greeting: "handshake-v10", tls: { offered: true } }, handshakeFailure: { message: e.message } };
    }
  },
  judge: judgeConnectivity,
  json: connectivityJson,
  text: connectivityRows,
} satisfies CheckInfo & Record<string, unknown>;
