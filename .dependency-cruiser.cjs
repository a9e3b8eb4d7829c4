// The layering of shared/DESIGN.md, as far as the current layout carries it (run by `npm run lint:deps` and by
// scripts/test.sh before vitest). Type-only imports count as dependencies too (tsPreCompilationDeps), except
// where a rule says otherwise: a judge may name a gatherer's fact types, never call it.

// The layers of shared/DESIGN.md, top to bottom: 1 cli/ (and serve/, the exporter's front end); 2 run/; 3 checks/;
// 4 the gatherers (tls/ scan strategy and engines, x509/ chain fetch, sql/); 5 net/; 6 pure code (protocol/, tls/
// wire codecs, x509/ parsing, knowledge/, report/, policy/ rules). A layer imports only layers below it.

// Wire code: pure bytes <-> typed values, no sockets, no reports, no SQL.
const WIRE = [
  "^src/protocol/",
  "^src/tls/(records|client-hello|server-hello)\\.ts$",
  // x509 parsing: everything in x509/ but the two modules that open a connection to fetch a chain.
  "^src/x509/(?!fetch-chain\\.ts$|gather-chain\\.ts$)[^/]+\\.ts$",
];

// The gatherers: code that does I/O to learn facts (layer 4).
const GATHERERS = [
  "^src/tls/(enumerate|node-engine|node-probe-(pool|worker)|raw-probe|preference|scan-plan)\\.ts$",
  "^src/x509/(fetch-chain|gather-chain)\\.ts$",
  "^src/sql/(login|login-json|login-thread|session-host|settings|accounts|replication|result-guard|ed25519-auth)\\.ts$",
];

// I/O: sockets, TLS, files, processes, mysql2, the connection layer and the gatherers.
const IO = ["^(node:)?(net|tls|fs|fs/promises|dgram|child_process|http|https)$", "^node_modules/mysql2/", "^src/net/", ...GATHERERS];

// A check's wiring may call gatherers (its gather, the shared scan and login, the registry); its other parts may not.
const CHECK_WIRING = "^src/checks/([^/]+/index|scan|session|registry)\\.ts$";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment:
        "DESIGN.md: no import cycles (a layer imports only layers below it). A cycle made only of `import type` edges is erased by tsc and loads nothing, so it does not count (cli/* name main.ts's RunState that way).",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "core-not-cli",
      severity: "error",
      comment: "DESIGN.md: the core never imports the CLI; src/cli/ only wires commander to it.",
      from: { path: "^src/", pathNot: "^src/cli/" },
      to: { path: "^src/cli/" },
    },
    {
      name: "run-is-above-checks",
      severity: "error",
      comment: "DESIGN.md layers: run/ (the audit of a target, fleets) sits on checks/; nothing below it imports it.",
      from: { path: "^src/(checks|tls|x509|sql|net|protocol|knowledge|report)/" },
      to: { path: "^src/run/" },
    },
    {
      name: "checks-are-above-gatherers",
      severity: "error",
      comment: "DESIGN.md layers: checks/ calls the gatherers (tls/, x509/, sql/) and the connection layer; none of them, nor pure code, imports a check or the registry.",
      from: { path: "^src/(tls|x509|sql|net|protocol|knowledge|report)/" },
      to: { path: "^src/checks/" },
    },
    {
      name: "net-is-below-gatherers",
      severity: "error",
      comment: "DESIGN.md layers: net/ (the connection layer) imports no gatherer: no SQL, no cipher scan, no chain fetch.",
      from: { path: "^src/net/" },
      to: { path: ["^src/sql/", ...GATHERERS] },
    },
    {
      name: "wire-is-pure",
      severity: "error",
      comment: "DESIGN.md: wire code (protocol/, tls/ records and hellos, x509 parsing) never imports reports, the connection layer or SQL.",
      from: { path: WIRE },
      to: { path: "^src/(report|net|sql)/" },
    },
    {
      name: "pure-code-does-no-io",
      severity: "error",
      comment: "DESIGN.md: pure code (reports, knowledge, the policy's rules) imports no socket, TLS engine, gatherer or mysql2.",
      from: { path: ["^src/report/", "^src/knowledge/", "^src/policy/(policy|apply)\\.ts$"] },
      to: { path: IO, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "checks-do-no-io",
      severity: "error",
      comment:
        "DESIGN.md: judging never does I/O: a check's judge, JSON and text parts import no socket, TLS, file or mysql2 code and call no gatherer (they may name its fact types). Only its index.ts (gather), the shared scan and login, and the registry do.",
      from: { path: "^src/checks/", pathNot: CHECK_WIRING },
      to: { path: IO, dependencyTypesNot: ["type-only"] },
    },
    {
      name: "one-connection-layer",
      severity: "error",
      comment:
        "DESIGN.md: net/connection.ts is the only code that opens a connection to a server for the TLS checks (the mysql2 adapter in sql/ is the other). node:net only there, and where a file uses nothing but net.isIP (listed).",
      from: { path: "^src/", pathNot: ["^src/net/connection\\.ts$", "^src/sql/", "^src/x509/hostname\\.ts$", "^src/tls/client-hello\\.ts$", "^src/tls/node-handshake\\.ts$"] },
      to: { path: "^(node:)?net$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "net-takes-tls-as-a-step",
      severity: "error",
      comment:
        "DESIGN.md: the connection layer takes the TLS step as a function, so net/ imports no TLS engine (node:tls, src/tls/). net/probe.ts is the connectivity gatherer (layer 4: it passes the node:tls step in), kept in net/ by its history.",
      from: { path: "^src/net/", pathNot: "^src/net/probe\\.ts$" },
      to: { path: ["^(node:)?tls$", "^src/tls/"], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "tls-sockets-in-engines",
      severity: "error",
      comment: "node:tls runs only in the TLS engines (tls/node-handshake.ts, tls/node-engine.ts), as a step over the connection layer's socket, and in the mysql2 adapter.",
      from: { path: "^src/", pathNot: ["^src/tls/node-(handshake|engine)\\.ts$", "^src/sql/"] },
      to: { path: "^(node:)?tls$", dependencyTypesNot: ["type-only"] },
    },
    {
      name: "not-to-unresolvable",
      severity: "error",
      comment: "An import that does not resolve is a typo or a missing dependency.",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    includeOnly: ["^src/", "^node_modules/", "^(node:)?[a-z_/]+$"],
    tsPreCompilationDeps: true,
    // Packages loaded through createRequire (yaml, mysql2, node-forge's parts: CommonJS required, not imported, so
    // Node does not scan their source for exports) are dependencies too, and the layering rules see them.
    exoticRequireStrings: ["requireLazy", "requireCjs"],
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js", ".json"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
