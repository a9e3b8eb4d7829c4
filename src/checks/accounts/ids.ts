import type { FindingIdDoc } from "../../report/finding-ids.js";

/** The finding ids the accounts check emits, documented (the README's table and the schema's enum are made from them). */
export const ACCOUNTS_IDS: readonly Omit<FindingIdDoc, "check">[] = [
  { id: "accounts.anonymous", severity: "high", meaning: "An anonymous account (user '') exists and is not locked." },
  { id: "accounts.cleartext-login", severity: "varies", meaning: "An account can log in over clear text: REQUIRE NONE while require_secure_transport is OFF (high from other hosts, low local). Accounts in the policy's accountsAllowedRequireNone are exempt." },
  { id: "accounts.remote-without-x509", severity: "medium", meaning: "A remote account without a client certificate, when the policy sets requireX509ForRemote (CIS: X509 for remote users)." },
  { id: "accounts.weak-require-cipher", severity: "varies", meaning: "REQUIRE CIPHER names a weak (medium) or insecure (high) suite." },
  { id: "accounts.unsatisfiable-require-cipher", severity: "varies", meaning: "REQUIRE CIPHER names a suite the server can never (medium) or rarely (low) negotiate, e.g. a TLS 1.2 name under TLS 1.3." },
];
