import { describe, expect, it } from "vitest";
import { checkConfiguredVersions, checkSettings, SETTING_SPECS, settingRows } from "../../src/checks/settings/judge.js";
import { SETTINGS_STATUS, SETTINGS_VARIABLES, type ServerSettingsFacts } from "../../src/sql/settings.js";

const NOW = new Date("2026-11-24T12:00:00Z");
const tlsSession = { encrypted: true, sslMode: "VERIFY_IDENTITY" as const, protocol: "TLSv1.3", cipher: "TLS_AES_256_GCM_SHA384", chainVerified: true, identityVerified: true, note: "ok" };

function maria(over: Partial<ServerSettingsFacts> = {}): ServerSettingsFacts {
  return {
    flavor: "mariadb",
    version: "10.11.19-MariaDB",
    versionNumber: 101119,
    flavorLabel: "MariaDB 10.11",
    variables: { have_ssl: "YES", have_openssl: "YES", require_secure_transport: "OFF", tls_version: "TLSv1.2,TLSv1.3", ssl_cipher: "", ssl_ca: "/ca.pem", ssl_cert: "/c.pem", ssl_key: "/k.pem", ssl_crl: "", version_ssl_library: "OpenSSL 3.5.4 30 Sep 2025" },
    status: { ssl_server_not_after: "Feb 26 23:17:23 2029 GMT", ssl_server_not_before: "Nov 24 23:17:23 2025 GMT" },
    session: { ssl_version: "TLSv1.3", ssl_cipher: "TLS_AES_256_GCM_SHA384" },
    sessionTls: tlsSession,
    problems: [],
    ...over,
  };
}
const ids = (f: { id: string }[]) => f.map((x) => x.id);

describe("what the settings gatherer asks for", () => {
  it("is every global variable and status the settings table judges, and nothing else", () => {
    const global = (kind: string) => SETTING_SPECS.filter((s) => s.kind === kind && (s.scope ?? "global") === "global").map((s) => s.name);
    expect([...SETTINGS_VARIABLES].sort()).toEqual(global("variable").sort());
    expect([...SETTINGS_STATUS].sort()).toEqual(global("status").sort());
    // The names the findings read outside the table are in it too.
    expect(SETTINGS_VARIABLES).toEqual(expect.arrayContaining(["have_ssl", "require_secure_transport", "tls_version", "admin_tls_version", "ssl_cipher", "admin_ssl_cipher"]));
  });
});

describe("settingRows", () => {
  it("says 'not available on MariaDB 10.11' for what the flavour lacks, never an error", () => {
    const rows = settingRows(maria(), NOW);
    const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
    expect(byName.Tls_library_version).toMatchObject({ available: false, note: "not available on MariaDB 10.11" });
    expect(byName.admin_tls_version).toMatchObject({ available: false, note: "not available on MariaDB 10.11" });
    expect(byName.version_ssl_library).toMatchObject({ available: true, value: "OpenSSL 3.5.4 30 Sep 2025", secure: true });
    expect(byName.require_secure_transport).toMatchObject({ value: "OFF", secure: false });
    expect(byName.tls_version).toMatchObject({ secure: true });
    expect(byName.Ssl_version).toMatchObject({ scope: "session", value: "TLSv1.3", secure: true });
    expect(byName.Ssl_server_not_after).toMatchObject({ secure: true });
    for (const r of rows) expect(r.meaning.length).toBeGreaterThan(5);
  });
});

describe("checkSettings", () => {
  it("flags require_secure_transport OFF with the statement that fixes it", () => {
    const f = checkSettings(maria(), NOW);
    expect(ids(f)).toEqual(["settings.require-secure-transport-off"]);
    expect(f[0]!.fix).toMatch(/^SET GLOBAL require_secure_transport = ON;/);
    expect(checkSettings(maria({ flavor: "mysql", flavorLabel: "MySQL 8.4", variables: { require_secure_transport: "OFF" } }), NOW)[0]!.fix).toBe("SET PERSIST require_secure_transport = ON;");
  });
  it("flags legacy protocols, weak cipher strings, a dead TLS library, an expired certificate and no TLS", () => {
    const f = checkSettings(
      maria({
        variables: { have_ssl: "DISABLED", require_secure_transport: "ON", tls_version: "TLSv1.0,TLSv1.1,TLSv1.2", ssl_cipher: "ALL:@SECLEVEL=0", version_ssl_library: "OpenSSL 1.0.1f 6 Jan 2014" },
        status: { ssl_server_not_after: "Jan  1 00:00:00 2020 GMT" },
      }),
      NOW,
    );
    expect(ids(f).sort()).toEqual(
      ["settings.legacy-tls-version", "settings.server-certificate-expired", "settings.tls-disabled", "settings.tls-library-cve", "settings.tls-library-cve", "settings.tls-library-cve", "settings.tls-library-eol", "settings.weak-ssl-cipher"].sort(),
    );
    expect(f.find((x) => x.id === "settings.tls-library-eol")!.severity).toBe("high");
  });
  it("judges OpenSSL 3.0 past its 2026-09-07 end of life as medium, with the backport caveat", () => {
    const f = checkSettings(maria({ variables: { require_secure_transport: "ON", version_ssl_library: "OpenSSL 3.0.22 25 Aug 2026" } }), NOW);
    expect(f).toEqual([expect.objectContaining({ id: "settings.tls-library-eol", severity: "medium" })]);
    expect(f[0]!.evidence).toMatch(/backport/);
  });
  it("reads MySQL's Tls_library_version and the TLS channels", () => {
    const f = checkSettings(
      maria({
        flavor: "mysql",
        flavorLabel: "MySQL 8.4",
        variables: { require_secure_transport: "ON" },
        status: { tls_library_version: "OpenSSL 1.1.1w  11 Sep 2023" },
        tlsChannels: [{ channel: "mysql_admin", properties: { Enabled: "No" } }, { channel: "mysql_main", properties: { Enabled: "No", Current_tls_version: "TLSv1.1,TLSv1.2" } }],
      }),
      NOW,
    );
    expect(ids(f)).toEqual(["settings.tls-library-eol", "settings.tls-channel-disabled", "settings.tls-channel-legacy-version"]);
  });
  it("says when this tool's own login was not encrypted (critical when the session reads have_ssl = YES: stripped) or not verified", () => {
    const clear = { ...tlsSession, encrypted: false, chainVerified: false, identityVerified: false, note: "clear text" };
    expect(ids(checkSettings(maria({ variables: { require_secure_transport: "ON" }, sessionTls: clear }), NOW))).toEqual(["login.cleartext"]);
    expect(ids(checkSettings(maria({ variables: { require_secure_transport: "ON", have_ssl: "YES" }, sessionTls: clear }), NOW))).toEqual(["login.tls-stripped"]);
    expect(ids(checkSettings(maria({ variables: { require_secure_transport: "ON" }, sessionTls: clear, probeOfferedTls: true }), NOW))).toEqual(["login.tls-stripped"]);
    expect(ids(checkSettings(maria({ variables: { require_secure_transport: "ON" }, sessionTls: { ...tlsSession, passwordInUnverifiedTls: true, chainVerified: false, identityVerified: false } }), NOW))).toEqual(["login.password-unverified-tls"]);
    expect(ids(checkSettings(maria({ variables: { require_secure_transport: "ON" }, sessionTls: { ...tlsSession, chainVerified: false, identityVerified: false } }), NOW))).toEqual(["settings.login-not-verified"]);
  });
});

describe("checkConfiguredVersions (#11: configured is not accepted)", () => {
  const settingsFacts = (tls_version: string | undefined, ssl_cipher?: string) =>
    ({
      flavor: "mariadb",
      version: "10.11.19-MariaDB",
      versionNumber: 101119,
      flavorLabel: "MariaDB 10.11",
      variables: { ...(tls_version !== undefined ? { tls_version } : {}), ...(ssl_cipher !== undefined ? { ssl_cipher } : {}) },
      sessionTls: { encrypted: true, sslMode: "PREFERRED", chainVerified: false, identityVerified: false, note: "" },
      problems: [],
    }) as unknown as Parameters<typeof checkConfiguredVersions>[0];
  const scan = (v: Record<string, boolean | undefined>) => Object.entries(v).map(([version, accepted]) => ({ version, accepted }));

  it("a configured version the handshakes refuse, with the TLS 1.3-only ssl_cipher as the reason", () => {
    const f = checkConfiguredVersions(settingsFacts("TLSv1.2,TLSv1.3", "TLS_AES_256_GCM_SHA384:TLS_AES_128_GCM_SHA256"), scan({ SSLv3: false, TLSv1: false, "TLSv1.1": false, "TLSv1.2": false, "TLSv1.3": true }));
    expect(f.map((x) => [x.id, x.severity])).toEqual([["settings.configured-version-refused", "low"]]);
    expect(f[0]!.evidence).toContain("names TLS 1.3 suites only, so TLSv1.2 has no suite to offer");
    expect(f[0]!.fix).toContain("tls_version = TLSv1.3");
  });
  it("an accepted version tls_version leaves out", () => {
    const f = checkConfiguredVersions(settingsFacts("TLSv1.2,TLSv1.3"), scan({ TLSv1: true, "TLSv1.2": true, "TLSv1.3": true }));
    expect(f.map((x) => [x.id, x.severity])).toEqual([["settings.unconfigured-version-accepted", "medium"]]);
  });
  it("agreement, MariaDB's TLSv1.0 spelling, unsettled versions and no tls_version: nothing", () => {
    expect(checkConfiguredVersions(settingsFacts("TLSv1.0,TLSv1.1,TLSv1.2,TLSv1.3"), scan({ SSLv3: false, TLSv1: true, "TLSv1.1": true, "TLSv1.2": true, "TLSv1.3": true }))).toEqual([]);
    expect(checkConfiguredVersions(settingsFacts("TLSv1.2,TLSv1.3"), scan({ "TLSv1.2": undefined, "TLSv1.3": true }))).toEqual([]);
    expect(checkConfiguredVersions(settingsFacts(undefined), scan({ "TLSv1.2": false }))).toEqual([]);
  });
});
