// The documented JSON Schema (draft-07) of `mysql-tls-audit --json` for the audit; CI pipelines validate against it.
// Fields may be added in a schemaVersion; none is renamed or removed without bumping it.

const severity = { type: "string", enum: ["critical", "high", "medium", "low", "info", "error"] } as const;

function findingSchema(findingIds: readonly string[]) {
  return {
  type: "object",
  required: ["id", "severity", "title", "evidence", "check"],
  properties: {
    id: { type: "string", pattern: "^[a-z0-9]+(\\.[a-z0-9-]+)+$", enum: [...findingIds], description: "stable, documented finding id (README: Finding ids)" },
    severity,
    title: { type: "string", minLength: 1 },
    evidence: { type: "string" },
    fix: { type: "string", description: "the SQL statement or my.cnf line that fixes it" },
    fixControlCharacters: {
      type: "array",
      items: { type: "string" },
      description: "control characters that a name quoted in fix holds (e.g. newline): fix is exact here, and text output shows a note instead",
    },
    references: { type: "array", items: { type: "string" } },
    check: { type: "string", description: "the check that produced the finding" },
  },
  } as const;
}

const hostPort = {
  type: "object",
  required: ["host", "port"],
  properties: { host: { type: "string" }, port: { type: "integer", minimum: 1, maximum: 65535 } },
} as const;

/** The JSON Schema of the audit's --json document (schemaVersion 1), its enums from the registry's checks and finding ids (src/checks/registry.ts). */
export function auditJsonSchema(registry: { checkNames: readonly string[]; findingIds: readonly string[] }) {
  const finding = findingSchema(registry.findingIds);
  return {
  $schema: "http://json-schema.org/draft-07/schema#",
  $id: "https://github.com/mysql-tls-audit/mysql-tls-audit/schema/audit-v1.json",
  title: "mysql-tls-audit audit report",
  type: "object",
  required: ["schemaVersion", "tool", "target", "command", "targets", "summary"],
  properties: {
    schemaVersion: { const: 1 },
    tool: {
      type: "object",
      required: ["name", "version"],
      properties: { name: { type: "string" }, version: { type: "string" } },
    },
    target: { ...hostPort, description: "the first (for a single audit, the only) target; every target is in targets[]" },
    command: { const: "audit" },
    startedAt: { type: "string", description: "ISO 8601 time the run started" },
    durationMs: { type: "number", minimum: 0 },
    policy: {
      type: "object",
      required: ["source"],
      properties: {
        source: { type: "string", description: "the --policy file, or the built-in default" },
        effective: { type: "object", description: "the policy in force: the file's keys with the documented defaults filled in, --fail-on applied" },
      },
    },
    targets: {
      type: "array",
      minItems: 1,
      items: {
        type: "object",
        required: ["target", "audited", "checks", "findings", "abortedConnections"],
        properties: {
          target: hostPort,
          label: { type: "string", description: "host:port as printed ([ipv6]:port)" },
          audited: { type: "boolean", description: "false when the target could not be audited (exit code 3)" },
          error: {
            type: "object",
            required: ["code", "message"],
            properties: { code: { type: "string" }, message: { type: "string" } },
          },
          server: {
            type: "object",
            required: ["version", "flavor"],
            properties: { version: { type: "string" }, flavor: { type: "string", enum: ["mysql", "mariadb", "percona", "other", "unknown"] } },
          },
          grade: { type: "string", enum: ["A", "B", "C", "D", "F"], description: "overall grade (README: The grade); F when not audited" },
          gradeCaps: {
            type: "array",
            description: "the rules that capped the grade, most severe first (empty for an A)",
            items: {
              type: "object",
              required: ["grade", "reason", "short", "ids"],
              properties: {
                grade: { type: "string", enum: ["A", "B", "C", "D", "F"] },
                reason: { type: "string" },
                short: { type: "string" },
                ids: { type: "array", items: { type: "string" }, description: "the finding ids that triggered the rule" },
              },
            },
          },
          fixPlan: {
            type: "object",
            required: ["sql", "steps", "addresses"],
            description: "one fix plan for the server: option-file block (append, then restart), SQL statements, other steps",
            properties: {
              optionFile: {
                type: "object",
                required: ["file", "section", "lines"],
                properties: {
                  file: { type: "string" },
                  section: { type: "string", description: "mariadbd on MariaDB 10.4.6+, else mysqld" },
                  lines: { type: "array", items: { type: "string" } },
                  addresses: { type: "array", items: { type: "string" }, description: "the finding ids this block alone addresses" },
                },
              },
              sql: { type: "array", items: { type: "string" } },
              steps: { type: "array", items: { type: "string" } },
              addresses: { type: "array", items: { type: "string" }, description: "the finding ids the plan addresses" },
            },
          },
          durationMs: { type: "number", minimum: 0 },
          checks: {
            type: "array",
            items: {
              type: "object",
              required: ["name", "status"],
              properties: {
                name: { type: "string", enum: [...registry.checkNames] },
                status: { type: "string", enum: ["completed", "error", "skipped"] },
                reason: { type: "string", description: "why the check errored or was skipped" },
                findings: { type: "integer", minimum: 0, description: "how many findings the check produced" },
                durationMs: { type: "number", minimum: 0 },
              },
            },
          },
          findings: { type: "array", items: finding },
          ignoredFindings: { type: "integer", minimum: 0, description: "findings dropped by the policy's ignore list" },
          abortedConnections: {
            type: "integer",
            minimum: 0,
            description: "handshakes the audit left aborted on this server; they count toward max_connect_errors, except on loopback",
          },
          overview: { type: "object", additionalProperties: { type: "string" } },
          details: { type: "object", description: "per-check facts, as the ciphers, cert, settings and accounts commands print them" },
        },
      },
    },
    summary: {
      type: "object",
      required: ["bySeverity", "verdict"],
      properties: {
        bySeverity: {
          type: "object",
          required: ["critical", "high", "medium", "low", "info", "error"],
          properties: Object.fromEntries(["critical", "high", "medium", "low", "info", "error"].map((s) => [s, { type: "integer", minimum: 0 }])),
          additionalProperties: false,
        },
        verdict: { type: "string", enum: ["pass", "fail"] },
        failOn: { type: "string", enum: ["critical", "high", "medium", "low", "info", "error", "never"] },
        failing: { type: "integer", minimum: 0 },
        incomplete: { type: "integer", minimum: 0, description: "findings of checks that could not run; they fail the run unless the policy sets allowIncompleteChecks" },
        targets: {
          type: "object",
          required: ["total", "audited", "notAudited"],
          properties: { total: { type: "integer" }, audited: { type: "integer" }, notAudited: { type: "integer" } },
        },
      },
    },
  },
} as const;
}
