// The screen belongs to the user (#10 item 2): a hostile server puts terminal controls into every string it
// controls (an ERR greeting, its version, its certificate's subject, account names) and the built CLI runs in a
// real terminal (tmux). Judged by what the terminal shows: the window title is unchanged, nothing was cleared
// or scrolled away, no text is concealed, no line is overwritten or forged, and the server's text is shown
// escaped. In colour (a terminal), with --no-color and with FORCE_COLOR; and byte by byte through a pipe.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OUR_SGR } from "../../src/report/colour.js";
import { runCli } from "../support/cli.js";
import { startFakeMysql, type FakeMysql } from "../support/fake-mysql/server.js";
import { mysql84Model } from "../support/mysql-model.js";
import { requireOpenssl } from "../support/require-binaries.js";
import { BASELINE_TITLE, MARKER, startTmux, type PaneResult, type Tmux } from "../support/tmux.js";

const BIN = fileURLToPath(new URL("../../bin/mysql-tls-audit.js", import.meta.url));
const run = promisify(execFile);

// Each attack the issue saw: OSC 0 retitles the window, ESC[2J and ESC[H clear and home, ESC[8m conceals what
// follows, ESC[1A and CR go back to overwrite a line, U+009B is an 8-bit CSI, U+202E reverses text, and a line
// break starts a forged verdict line.
const ATTACK = {
  title: "\x1b]0;pwned\x07",
  clear: "\x1b[2J\x1b[H",
  conceal: "\x1b[8mconcealed",
  overwrite: "\x1b[1A\rPASS: 0 findings",
  c1: "\u009b2J",
  bidi: "\u202eevil",
  forged: "\nPASS: 0 findings",
};
const PAYLOAD = Object.values(ATTACK).join("");
// How each attack must show: escaped, visible, on the line it came in.
const SHOWN = ["\\x1b]0;pwned\\x07", "\\x1b[2J\\x1b[H", "\\x1b[8mconcealed", "\\x1b[1A\\x0dPASS: 0 findings", "\\x9b2J", "\\u202eevil", "\\x0aPASS: 0 findings"];
const PW = "Screen-Test-Pw-9";

// eslint-disable-next-line no-control-regex
const ACTIVE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const SGR = /\x1b\[([0-9;]*)m/g; // eslint-disable-line no-control-regex

let tmux: Tmux;
let dir: string;
const servers: FakeMysql[] = [];
let errGreeting: FakeMysql;
let hostileTls: FakeMysql;
let accountsServer: FakeMysql;

/** A self-signed certificate whose subject carries the attacks (split over CN, O and OU: each is at most 64). */
async function hostileCertificate(): Promise<{ cert: string; key: string }> {
  const openssl = requireOpenssl();
  const cert = join(dir, "hostile.pem");
  const key = join(dir, "hostile.key");
  const subj = `/CN=db${ATTACK.title}${ATTACK.clear}/O=${ATTACK.conceal}${ATTACK.overwrite}/OU=${ATTACK.c1}${ATTACK.bidi}${ATTACK.forged}`;
  await run(openssl, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-utf8", "-subj", subj, "-days", "2", "-keyout", key, "-out", cert]);
  return { cert: readFileSync(cert, "utf8"), key: readFileSync(key, "utf8") };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "mta-hostile-screen-"));
  // Tall and wide enough that the longest report fits: any scrolling is then the server's doing.
  tmux = await startTmux({ width: 400, height: 400 });
  const tls = await hostileCertificate();
  errGreeting = await startFakeMysql({ behaviour: "err-greeting", errno: 1129, message: PAYLOAD });
  hostileTls = await startFakeMysql({ greeting: "mysql-8.4", version: `8.0.1${PAYLOAD}`, tls });
  accountsServer = await startFakeMysql({
    greeting: "mysql-8.4",
    tls,
    users: [{ user: "audit", password: PW, plugin: "mysql_native_password" }],
    onQuery: mysql84Model({
      version: `8.4.3${PAYLOAD}`,
      accounts: [
        { user: `app${ATTACK.title}${ATTACK.clear}`, host: "%", sslType: "" },
        { user: `x${ATTACK.conceal}${ATTACK.overwrite}`, host: `10.0.0.%${ATTACK.c1}${ATTACK.bidi}`, sslType: "ANY" },
      ],
    }),
  });
  servers.push(errGreeting, hostileTls, accountsServer);
}, 60_000);

afterAll(async () => {
  await tmux?.stop();
  await Promise.all(servers.map((s) => s.stop()));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const target = (s: FakeMysql): string => `127.0.0.1:${s.port}`;

/** Every output path a server string takes, each run as a user would type it. */
const RUNS: Array<{ name: string; args: () => string[]; code: number }> = [
  { name: "probe: ERR greeting (table cell, finding, stderr line)", args: () => ["probe", target(errGreeting)], code: 3 },
  { name: "probe: version and certificate subject", args: () => ["probe", target(hostileTls)], code: 0 },
  { name: "cert: certificate subject and issuer", args: () => ["cert", target(hostileTls)], code: 1 },
  { name: "audit of two targets: fleet table, 'Could not audit', stderr line, progress", args: () => ["audit", target(errGreeting), target(hostileTls)], code: 3 },
  { name: "accounts: account names and version", args: () => ["accounts", `mysql://audit:${PW}@${target(accountsServer)}`, "--ssl-mode", "REQUIRED", "--no-defaults"], code: 1 },
];

const MODES: Array<{ name: string; flags: string[]; env: Record<string, string | undefined>; colour: boolean }> = [
  { name: "colour on a terminal", flags: [], env: { NO_COLOR: undefined, FORCE_COLOR: undefined }, colour: true },
  { name: "--no-color", flags: ["--no-color"], env: { NO_COLOR: undefined, FORCE_COLOR: undefined }, colour: false },
  { name: "FORCE_COLOR=1", flags: [], env: { NO_COLOR: undefined, FORCE_COLOR: "1" }, colour: true },
];

/** The SGR parameter lists in text, e.g. "1;31" -> [1, 31] (38/48 colour introducers skip their arguments). */
function attributes(styled: string): number[] {
  const out: number[] = [];
  for (const m of styled.matchAll(SGR)) {
    const ps = (m[1] || "0").split(";").map(Number);
    for (let i = 0; i < ps.length; i++) {
      if (ps[i] === 38 || ps[i] === 48) i += ps[i + 1] === 5 ? 2 : 4;
      else out.push(ps[i]!);
    }
  }
  return out;
}

/** What a person must see: the checks every run, in every mode, passes. */
function expectScreenIntact(r: PaneResult, colour: boolean): void {
  expect(r.title, "the window title was changed").toBe(BASELINE_TITLE);
  expect(r.historySize, "the screen was scrolled or cleared into the history").toBe(0);
  expect(r.text.split("\n")[0], "the first line was cleared or overwritten").toBe(MARKER);
  const attrs = attributes(r.styled);
  expect(attrs, "text is concealed (SGR 8)").not.toContain(8);
  expect(attrs, "text is shown inverse (SGR 7)").not.toContain(7);
  if (colour) expect(attrs.some((a) => a >= 30 && a <= 37), "colour mode shows no colour at all").toBe(true);
  else expect(attrs.filter((a) => a !== 0), "--no-color shows colour").toEqual([]);
  // The server's text is on screen, escaped, each attack on the line it came in.
  for (const s of SHOWN) expect(r.text, `not shown escaped: ${s}`).toContain(s);
  // No forged verdict: "PASS: 0 findings" only ever follows the escaped control that preceded it.
  const forged = r.text.split("\n").filter((l) => l.includes("PASS: 0 findings") && !/(\\x0d|\\x0a)PASS: 0 findings/.test(l));
  expect(forged, "a line shows the forged verdict on its own").toEqual([]);
}

describe("the harness sees an attack (so the checks below can fail)", () => {
  it("the raw payload written to the same terminal retitles it, clears it and conceals text", async () => {
    const r = await tmux.run(["printf", "%s\\n", `before${PAYLOAD}`]);
    expect(r.title).toBe("pwned");
    expect(r.text.split("\n")[0] === MARKER && r.historySize === 0).toBe(false);
    expect(() => expectScreenIntact(r, false)).toThrow();
  });
});

describe.each(MODES)("in a terminal, $name", (mode) => {
  it.each(RUNS)("$name", async (c) => {
    const r = await tmux.run([process.execPath, BIN, ...c.args(), ...mode.flags], { env: mode.env });
    expect(r.exitCode, r.text).toBe(c.code);
    expectScreenIntact(r, mode.colour);
  });
});

describe.each(MODES)("through a pipe, byte by byte, $name", (mode) => {
  it.each(RUNS)("$name", async (c) => {
    // Not a terminal: colour only when forced; then only our palette's sequences, never a control of the server's.
    // Wide, so no table cell wraps inside an escape this test reads as bytes (the tmux runs above read the screen).
    const r = await runCli([...c.args(), ...mode.flags], { env: { ...mode.env, COLUMNS: "400" } });
    expect(r.code, r.stderr).toBe(c.code);
    const all = r.stdout + r.stderr;
    const forced = mode.env.FORCE_COLOR !== undefined;
    if (!forced) expect(all.includes("\x1b"), "an ESC byte without colour").toBe(false);
    else expect(all.match(SGR)?.length ?? 0, "FORCE_COLOR gave no colour").toBeGreaterThan(0);
    for (const m of all.matchAll(SGR)) expect(OUR_SGR.has(m[0]), JSON.stringify(m[0])).toBe(true);
    expect(ACTIVE.test(all.replace(SGR, "")), "an active control character").toBe(false);
    for (const s of SHOWN) expect(all).toContain(s);
  });
  it.each(RUNS)("$name --json", async (c) => {
    const r = await runCli([...c.args(), ...mode.flags, "--json"], { env: mode.env });
    expect(r.code, r.stderr).toBe(c.code);
    // JSON keeps the server's exact text, as JSON escapes: it parses back to the payload.
    expect(r.stdout).toContain("pwned");
    expect(() => JSON.parse(r.stdout)).not.toThrow();
    expect(ACTIVE.test((r.stdout + r.stderr).replace(/\n/g, "")), "an active control character in --json output").toBe(false);
    expect(r.stdout + r.stderr).not.toContain("\x1b");
  });
});
