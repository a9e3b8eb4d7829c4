// The layering of shared/DESIGN.md, as far as the current layout carries it (run by `npm run lint:deps` and by
// scripts/test.sh before vitest). Type-only imports count as dependencies too (tsPreCompilationDeps), except
// where a rule says otherwise: a judge may name a gatherer's fact types, never call it.

// Wire code: pure bytes <-> typed values, no sockets, no reports, no SQL.
const WIRE = [
  "^src/protocol/",
  "^src/tls/(records|client-hello|server-hello)\\.ts$",
  // x509 parsing: everything in x509/ but the two modules that open a connection to fetch a chain.
  "^src/x509/(?!fetch-chain\\.ts$|gather-chain\\.ts$)[^/]+\\.ts$",
];

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
      name: "wire-is-pure",
      severity: "error",
      comment: "DESIGN.md: wire code (protocol/, tls/ records and hellos, x509 parsing) never imports reports, the connection layer or SQL.",
      from: { path: WIRE },
      to: { path: "^src/(report|net|sql)/" },
    },
    {
      name: "checks-do-no-io",
      severity: "error",
      comment: "DESIGN.md: judging never does I/O: checks/ imports no socket, TLS, file or mysql2 code, and no gatherer.",
      from: { path: "^src/checks/" },
      to: { path: ["^(node:)?(net|tls|fs|fs/promises|dgram|child_process|http|https)$", "^node_modules/mysql2/", "^src/net/", "^src/sql/login\\.ts$"], dependencyTypesNot: ["type-only"] },
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
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default", "types"], extensions: [".ts", ".js", ".json"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
