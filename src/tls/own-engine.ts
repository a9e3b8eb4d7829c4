// The scan's completed-handshake probe: our own TLS 1.0-1.2 client (own-tls.ts) when it can finish whatever the
// server picks from the offer, node:tls otherwise (TLS 1.3, and suites or groups it does not do). Both end in a
// refused login, so neither counts toward max_connect_errors; the outcome is the same ProbeOutcome either way.
import type { TimeoutOptions } from "../net/connect.js";
import { connectMysql } from "../net/connection.js";
import type { Target } from "../net/target.js";
import { NAMED_GROUPS } from "./client-hello.js";
import { beforeTlsOutcome, endedBeforeTls, nodeTlsProbe, type NodeProbeMemory, type NodeProbeRequest, type ProbeOutcome } from "./node-engine.js";
import { ownCanComplete, ownTlsStep, type OwnTlsEnd, type OwnVersion } from "./own-tls.js";
import { acceptedOutcome, judgeFlight, rawOutcome } from "./raw-probe.js";

/** Which client completes the scan's handshakes below TLS 1.3: ours where it can (default), or node:tls always. */
export type CompletingClient = "own" | "node";

/** The probe of one offer with a completed handshake, by our client when it can finish any answer, else node:tls. */
export function completingProbe(target: Target, req: NodeProbeRequest, timeouts: Required<TimeoutOptions>, memory?: NodeProbeMemory, client: CompletingClient = "own"): Promise<ProbeOutcome> {
  const groups = req.groups?.map((g) => NAMED_GROUPS[g] ?? -1);
  if (client === "own" && ownCanComplete(req.version, req.suites, groups)) return ownTlsProbe(target, { ...req, version: req.version as OwnVersion }, groups, timeouts, memory);
  return nodeTlsProbe(target, req, timeouts, memory);
}

async function ownTlsProbe(target: Target, req: NodeProbeRequest & { version: OwnVersion }, groups: number[] | undefined, timeouts: Required<TimeoutOptions>, memory?: NodeProbeMemory): Promise<ProbeOutcome> {
  const codes = req.suites.map((s) => s.code);
  const step = ownTlsStep({ version: req.version, suites: codes, ...(groups ? { groups } : {}), timeoutMs: timeouts.readTimeoutMs });
  const o = await connectMysql(target, step, timeouts);
  if (endedBeforeTls(o)) return beforeTlsOutcome(o);
  switch (o.kind) {
    case "tls-failed":
      return { kind: "failed", reason: "server-bug", detail: o.error.message, aborted: true };
    case "tls-aborted": {
      const end = o.value;
      if (end.kind === "stopped") {
        // What the server answered to the ClientHello, judged as the raw engine judges a first flight: an alert or
        // a close is a refusal; an acceptance this client could not finish still names the suite the server chose.
        const judged = judgeFlight({ version: req.version, cipherSuites: codes, ...(groups ? { groups } : {}) }, end.flight, end.ended, end.timedOut, timeouts.readTimeoutMs);
        return rawOutcome({ ...judged, aborted: true, ms: 0, bytesReceived: end.flight.length });
      }
      // The server chose a suite and the handshake failed after that: the choice stands, the connection aborted.
      return acceptedOutcome(end.result, true);
    }
  }
  if (memory) memory.handshakeCompleted = true;
  return acceptedOutcome((o.value as Extract<OwnTlsEnd, { kind: "completed" }>).result, o.aborted);
}
