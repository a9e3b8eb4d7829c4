import net from "node:net";
import { domainToASCII } from "node:url";
import type { SubjectAltNames } from "./extensions.js";
import type { NameAttribute } from "./distinguished-name.js";

/** The outcome of matching the name a client connects to against a certificate (RFC 6125). */
export interface HostnameMatch {
  /** The name checked, as given (the target host, or --host-name). */
  name: string;
  kind: "dns" | "ip";
  matched: boolean;
  /** The presented identifier that matched, e.g. "DNS:*.example.com", "IP:127.0.0.1", "CN:db1". */
  matchedBy?: string;
  /** True when the certificate has no DNS SAN, so the subject CN was consulted (legacy; RFC 6125 §6.4.4). */
  usedCommonName: boolean;
  /** The identifiers that were eligible for this kind of name. */
  presented: string[];
  /** Why it did not match, or a caveat on how it matched. */
  note?: string;
}

/** The identity fields of a certificate that hostname matching reads. */
export interface PresentedIdentity {
  subjectAltNames: Pick<SubjectAltNames, "dns" | "ip">;
  subjectAttributes: NameAttribute[];
}

/**
 * RFC 6125 matching as a verifying MySQL client does it: an IP address only against IP SANs; a DNS name against
 * DNS SANs, or against the subject CN only when there is no DNS SAN at all; "*" only as the whole left-most label.
 */
export function matchHostname(cert: PresentedIdentity, name: string): HostnameMatch {
  const host = name.replace(/^\[(.*)\]$/, "$1");
  if (net.isIP(host.replace(/%.*$/, "")) !== 0) return matchIp(cert, name, host.replace(/%.*$/, ""));
  return matchDns(cert, name, host);
}

function matchIp(cert: PresentedIdentity, name: string, host: string): HostnameMatch {
  const want = ipBytes(host);
  const presented = cert.subjectAltNames.ip.map((ip) => `IP:${ip}`);
  const hit = cert.subjectAltNames.ip.find((ip) => {
    const b = ipBytes(ip);
    return b !== undefined && want !== undefined && b.equals(want);
  });
  if (hit !== undefined) return { name, kind: "ip", matched: true, matchedBy: `IP:${hit}`, usedCommonName: false, presented };
  const dnsLooksLikeIp = cert.subjectAltNames.dns.some((d) => d === host);
  return {
    name,
    kind: "ip",
    matched: false,
    usedCommonName: false,
    presented,
    note:
      presented.length === 0
        ? `the certificate has no IP address SAN; an IP address is never matched against DNS names or the CN${dnsLooksLikeIp ? ` (it lists "${host}" as a DNS name, which clients ignore)` : ""}`
        : `${host} is not among the IP address SANs`,
  };
}

function matchDns(cert: PresentedIdentity, name: string, host: string): HostnameMatch {
  const want = normaliseDns(host);
  const sanDns = cert.subjectAltNames.dns;
  const usedCommonName = sanDns.length === 0;
  const ids = usedCommonName
    ? cert.subjectAttributes.filter((a) => a.type === "CN").map((a) => ({ label: `CN:${a.value}`, pattern: a.value }))
    : sanDns.map((d) => ({ label: `DNS:${d}`, pattern: d }));
  const presented = ids.map((i) => i.label);
  const notes: string[] = [];
  for (const id of ids) {
    const r = matchPattern(id.pattern, want);
    if (r.matched) {
      return {
        name,
        kind: "dns",
        matched: true,
        matchedBy: id.label,
        usedCommonName,
        presented,
        ...(usedCommonName ? { note: "matched through the subject CN: the certificate has no DNS SAN, which RFC 6125 deprecates and some clients refuse" } : {}),
      };
    }
    if (r.note) notes.push(`${id.label}: ${r.note}`);
  }
  const base =
    ids.length === 0
      ? "the certificate has neither a DNS SAN nor a subject CN"
      : `${want} matches none of ${presented.join(", ")}${usedCommonName ? " (no DNS SAN, so the CN was used)" : ""}`;
  return { name, kind: "dns", matched: false, usedCommonName, presented, note: [base, ...notes].join("; ") };
}

function matchPattern(pattern: string, host: string): { matched: boolean; note?: string } {
  const p = normaliseDns(pattern);
  if (!p.includes("*")) return { matched: p === host && host !== "" };
  const labels = p.split(".");
  if (labels[0] !== "*" || labels.slice(1).some((l) => l.includes("*"))) {
    return { matched: false, note: "a wildcard that is not the whole left-most label is not honoured" };
  }
  if (labels.length < 3) return { matched: false, note: "a wildcard needs at least two labels after it" };
  const hostLabels = host.split(".");
  if (hostLabels.length !== labels.length) return { matched: false };
  if (hostLabels[0] === "") return { matched: false };
  return { matched: hostLabels.slice(1).join(".") === labels.slice(1).join(".") };
}

/** Lower-case A-label form without a trailing dot, so "DB.Example.COM." and "db.example.com" compare equal. */
function normaliseDns(s: string): string {
  const trimmed = s.replace(/\.$/, "").toLowerCase();
  if (/^[\x00-\x7f]*$/.test(trimmed)) return trimmed;
  return domainToASCII(trimmed) || trimmed;
}

/** An IPv4 or IPv6 address as 4 or 16 bytes; undefined when it is neither. */
export function ipBytes(ip: string): Buffer | undefined {
  const kind = net.isIP(ip);
  if (kind === 4) return Buffer.from(ip.split(".").map(Number));
  if (kind !== 6) return undefined;
  let s = ip;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    // An embedded IPv4 tail (::ffff:1.2.3.4) is the last two 16-bit groups.
    const o = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const halves = s.split("::");
  const parse = (part: string): number[] => (part === "" ? [] : part.split(":").map((g) => parseInt(g, 16)));
  const h = parse(halves[0]!);
  const r = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...h, ...Array<number>(Math.max(8 - h.length - r.length, 0)).fill(0), ...r] : h;
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}
