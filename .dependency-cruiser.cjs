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
