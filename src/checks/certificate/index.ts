import { defineCheck, needsTls } from "../check.js";
import { timeoutsOf } from "../session.js";
import { CERTIFICATE_IDS } from "./ids.js";
import { certificateJson, certificateRows, judgeCertificate, type CertificateCheckFacts } from "./judge.js";

/** The chain as sent (one connection, ended with a refused login), its trust path, name match and expiry. */
export const certificate = defineCheck<CertificateCheckFacts>({
  name: "certificate",
  title: "the certificate chain the server sends: fields, order, trust, name match, expiry",
  aliases: ["cert"],
  command: "cert",
  findingIds: CERTIFICATE_IDS,
  skip: needsTls,
  // The chain code (node-forge among it) loads only when the check runs.
  gather: async (ctx) => {
    const o = ctx.options;
    const { gatherChain } = await import("../../x509/gather-chain.js");
    return gatherChain(ctx.target, {
      ...timeoutsOf(o),
      scheduler: ctx.scheduler,
      ...(o.ca ? { ca: o.ca } : {}),
      ...(o.caLabel ? { caLabel: o.caLabel } : {}),
      ...(o.hostName ? { hostName: o.hostName } : {}),
    });
  },
  judge: judgeCertificate,
  json: (c) => certificateJson(c.facts, c.fetched),
  text: certificateRows,
});
