// node:tls probes of one version borrow a context each and set its cipher list in place (#13, less CPU per
// probe). OpenSSL checks the server's pick against the context's list when the ServerHello arrives, so a context
// shared by handshakes in flight would refuse a pick another probe's list lacks ("wrong cipher returned"): probes
// run at once, each offering one suite, must each negotiate the suite it offered.
import { describe, expect, it } from "vitest";
import { fakeMysqlServing } from "../support/fake-mysql/serving.js";
import { nodeTlsProbe } from "../../src/tls/node-engine.js";
import { suiteByIana, suiteByOpenSSLName } from "../../src/tls/suites.js";

const SUITES = ["ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-CHACHA20-POLY1305", "ECDHE-RSA-AES128-SHA256", "ECDHE-RSA-AES256-SHA384", "AES128-GCM-SHA256"];
const TLS13 = ["TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"];

describe("node:tls probes at once, each with its own offer", () => {
  const server = fakeMysqlServing([...SUITES, ...TLS13]);

  const timeouts = { connectTimeoutMs: 5000, readTimeoutMs: 5000 };

  it("TLS 1.2: every probe negotiates the one suite it offered, twice over (contexts lent again)", async () => {
    for (let round = 0; round < 2; round++) {
      const outcomes = await Promise.all(
        SUITES.map((name) => nodeTlsProbe(server.target, { version: "TLSv1.2", suites: [suiteByOpenSSLName(name)!] }, timeouts)),
      );
      expect(outcomes.map((o) => (o.kind === "accepted" ? o.code : `${o.kind}: ${o.detail}`))).toEqual(SUITES.map((n) => suiteByOpenSSLName(n)!.code));
    }
  });

  it("TLS 1.3: likewise", async () => {
    const outcomes = await Promise.all(
      TLS13.map((name) => nodeTlsProbe(server.target, { version: "TLSv1.3", suites: [suiteByIana(name)!] }, timeouts)),
    );
    expect(outcomes.map((o) => (o.kind === "accepted" ? o.code : `${o.kind}: ${o.detail}`))).toEqual(TLS13.map((n) => suiteByIana(n)!.code));
  });
});
