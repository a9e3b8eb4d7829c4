// Types for the two node-forge modules the DER reader loads on their own (@types/node-forge types only the index).
declare module "node-forge/lib/asn1.js" {
  import type forge from "node-forge";
  const asn1: typeof forge.asn1;
  export = asn1;
}

declare module "node-forge/lib/util.js" {
  import type forge from "node-forge";
  const util: typeof forge.util;
  export = util;
}
