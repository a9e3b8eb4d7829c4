// Fuzzing certificate parsing: a server can send any bytes as a certificate. readCertificate returns facts or
// throws an Error naming the malformed part (from our DER reader, node-forge or OpenSSL), never a TypeError or
// RangeError from reading a field that is not there, and never loops. Fixed seed and bounded runs.
import fc from "fast-check";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { readCertificate } from "../../src/x509/certificate.js";
import { buildChainFacts } from "../../src/x509/chain.js";
import { derToPem } from "../../src/x509/pem.js";
import { loadAnchors } from "../../src/x509/trust.js";
import { certificateNameKey } from "../../src/x509/name-key.js";
import { certificatesAsSent } from "../../src/x509/fetch-chain.js";
import { AuditError } from "../../src/errors.js";

const SEED = 0x783530; // "x50"
const NOW = new Date("2026-01-01T00:00:00Z");

// Fixed certificates (made once with `openssl req -x509`, ten years' validity, SANs, key usages and AIA), so the
// seeded mutations hit the same bytes on every run and a failure reproduces exactly.
const SEEDS: Buffer[] = [
  // EC P-256
  Buffer.from(
    "MIICSzCCAfKgAwIBAgIUf48plheFPJEfRPnyFIJ9X70KxkcwCgYIKoZIzj0EAwIwMTELMAkGA1UEBhMCREUxDTALBgNVBAoMBEZ1" +
    "enoxEzARBgNVBAMMCmVjLmV4YW1wbGUwHhcNMjYxMTI0MjMxNjM5WhcNMzYxMTIxMjMxNjM5WjAxMQswCQYDVQQGEwJERTENMAsG" +
    "A1UECgwERnV6ejETMBEGA1UEAwwKZWMuZXhhbXBsZTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABN48niR1CAHkcRUdEJsiYpsd" +
    "rec0SQT1X/mJpZx+1Rgn6t42KSkaEwfSKB9Shc+cDpPGPA9Y9oYBAw+jp1Aa2ryjgecwgeQwHQYDVR0OBBYEFMPtVCmToh8i13Iq" +
    "MixxkrBQBlbdMB8GA1UdIwQYMBaAFMPtVCmToh8i13IqMixxkrBQBlbdMA8GA1UdEwEB/wQFMAMBAf8wNgYDVR0RBC8wLYIKZWMu" +
    "ZXhhbXBsZYIMKi5lYy5leGFtcGxlhwTAAAIHgQthQGIuZXhhbXBsZTAOBgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYBBQUH" +
    "AwEwNAYIKwYBBQUHAQEEKDAmMCQGCCsGAQUFBzAChhhodHRwOi8vY2EuZXhhbXBsZS9jYS5kZXIwCgYIKoZIzj0EAwIDRwAwRAIg" +
    "FMl7yW0byyQZgWmcOV+vtAsANa+NJBhTOg2Nqe2ojSACIBNT49bmtji2Zurasjp5SJ8N7P3cIUvkaRd07T1RpkAj",
    "base64",
  ),
  // Ed25519
  Buffer.from(
    "MIICDDCCAb6gAwIBAgIUTIcPHXdtKC2GMv1uTEeMYFb12UIwBQYDK2VwMDExCzAJBgNVBAYTAkRFMQ0wCwYDVQQKDARGdXp6MRMw" +
    "EQYDVQQDDAplZC5leGFtcGxlMB4XDTI2MTEyNDIzMTYzOVoXDTM2MTEyMTIzMTYzOVowMTELMAkGA1UEBhMCREUxDTALBgNVBAoM" +
    "BEZ1enoxEzARBgNVBAMMCmVkLmV4YW1wbGUwKjAFBgMrZXADIQABoZiyx0YgqOwMKNz2UDqKpWLS5TWFXDbAJZKd+vAIW6OB5zCB" +
    "5DAdBgNVHQ4EFgQUwFeLdTWO2rsZZ1KttM+stSoN7zQwHwYDVR0jBBgwFoAUwFeLdTWO2rsZZ1KttM+stSoN7zQwDwYDVR0TAQH/" +
    "BAUwAwEB/zA2BgNVHREELzAtggplZC5leGFtcGxlggwqLmVkLmV4YW1wbGWHBMAAAgeBC2FAYi5leGFtcGxlMA4GA1UdDwEB/wQE" +
    "AwIFoDATBgNVHSUEDDAKBggrBgEFBQcDATA0BggrBgEFBQcBAQQoMCYwJAYIKwYBBQUHMAKGGGh0dHA6Ly9jYS5leGFtcGxlL2Nh" +
    "LmRlcjAFBgMrZXADQQA4YA96vpxwPUiIeXtk1zc30CbR8A6wZ16sZKgi3MRXqlHTOtGIHWYpLgp4ya0gktbydDdwFwEO2QkCoEMp" +
    "I5gO",
    "base64",
  ),
  // RSA 1024
  Buffer.from(
    "MIIC1zCCAkCgAwIBAgIUc9ckg5YwfkhldwHiwr6bvqSn6X8wDQYJKoZIhvcNAQELBQAwMjELMAkGA1UEBhMCREUxDTALBgNVBAoM" +
    "BEZ1enoxFDASBgNVBAMMC3JzYS5leGFtcGxlMB4XDTI2MTEyNDIzMTYzOVoXDTM2MTEyMTIzMTYzOVowMjELMAkGA1UEBhMCREUx" +
    "DTALBgNVBAoMBEZ1enoxFDASBgNVBAMMC3JzYS5leGFtcGxlMIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC+zDs8U5NR7E2i" +
    "5IDlELaUkAN8/biHYlCzUc6RSt9EaawXYt1ezz8lrO8xZa8JxKYdQ2xV12uiCpXhiwAM7K4W3ivlfiiLCSPGNGx5Cos9Ruv17w0T" +
    "bF+kxx+6uYy/62NkFrM3JylsZlHThix9wjtNvBuYMQgEcS06kRKgs7ibqwIDAQABo4HpMIHmMB0GA1UdDgQWBBSgzOqJo/D5LceE" +
    "a4CdOqeApnx7PjAfBgNVHSMEGDAWgBSgzOqJo/D5LceEa4CdOqeApnx7PjAPBgNVHRMBAf8EBTADAQH/MDgGA1UdEQQxMC+CC3Jz" +
    "YS5leGFtcGxlgg0qLnJzYS5leGFtcGxlhwTAAAIHgQthQGIuZXhhbXBsZTAOBgNVHQ8BAf8EBAMCBaAwEwYDVR0lBAwwCgYIKwYB" +
    "BQUHAwEwNAYIKwYBBQUHAQEEKDAmMCQGCCsGAQUFBzAChhhodHRwOi8vY2EuZXhhbXBsZS9jYS5kZXIwDQYJKoZIhvcNAQELBQAD" +
    "gYEAplMajilvxz1FreU5cjMMXXrLAT/pLKcdS4MhHwAQnUje7Ig/DsOCO/Ga/SzxU4c/CmqMZujQ34fJxMdNWtkkKfATG85YGcev" +
    "P+tcvo5LRqFRYP6oB3GsN6kHq5I7IUmbBn7dzXxSh0apWykqRnBHBYyL8O+85uEfTxXfb3rBjOU=",
    "base64",
  ),
];

/** Calls readCertificate; fails the test for a bug-shaped exception or a call that takes too long. */
function readOrTypedError(der: Buffer): "ok" | "error" {
  const t0 = performance.now();
  try {
    const facts = readCertificate(der, NOW);
    expect(typeof facts.subject).toBe("string");
    expect(facts.sha256Fingerprint).toMatch(/^[0-9A-F:]+$/);
    expect(Number.isFinite(facts.daysLeft)).toBe(true);
    return "ok";
  } catch (err) {
    if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError || !(err instanceof Error)) {
      throw new Error(`readCertificate threw a bug-shaped ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`);
    }
    return "error";
  } finally {
    expect(performance.now() - t0).toBeLessThan(1000);
  }
}

describe("fuzz: readCertificate", () => {
  it("reads the unmutated seeds", () => {
    for (const s of SEEDS) expect(readOrTypedError(s)).toBe("ok");
  });

  it("random bytes, and random bytes inside a DER SEQUENCE, give an Error and nothing worse", () => {
    const body = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
    const inSequence = body.map((b) => Buffer.concat([Buffer.from([0x30, 0x82, b.length >> 8, b.length & 0xff]), b]));
    fc.assert(fc.property(fc.oneof(body, inSequence), (b) => void readOrTypedError(b)), { seed: SEED, numRuns: 1500 });
  });

  it("certificates with bytes overwritten, inserted or removed give facts or an Error, nothing worse", () => {
    const edit = fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 }));
    const arb = fc.tuple(fc.nat({ max: 2 }), fc.array(edit, { minLength: 1, maxLength: 4 })).map(([i, edits]) => {
      let b = Buffer.from(SEEDS[i]!);
      for (const [pos, value, kind] of edits) {
        const at = pos % b.length;
        if (kind === 0) b[at] = value;
        else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([value]), b.subarray(at)]);
        else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
      }
      return b;
    });
    fc.assert(fc.property(arb, (b) => void readOrTypedError(b)), { seed: SEED, numRuns: 1500 });
  });

  it("a validity time with a NUL digit is a malformed certificate (an Error), not a RangeError from an Invalid Date", () => {
    // Found by the mutation property above (seed 0x783530): forge returns an Invalid Date for "26112423160\08Z",
    // and toISOString() on it throws RangeError.
    const der = Buffer.from(SEEDS[0]!);
    const utcTime = der.indexOf(Buffer.from([0x17, 0x0d]));
    der[utcTime + 2 + 10] = 0x00;
    expect(readOrTypedError(der)).toBe("error");
  });

  it("every truncation of a certificate is an Error, never facts from half a certificate", () => {
    for (const s of SEEDS) {
      for (let cut = 0; cut < s.length; cut += 3) expect(readOrTypedError(s.subarray(0, cut))).toBe("error");
    }
  });
});

/** Certificates with a few bytes overwritten, inserted or removed. */
const mutatedCert = fc
  .tuple(fc.nat({ max: 2 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 2 })), { minLength: 1, maxLength: 3 }))
  .map(([i, edits]) => {
    let b = Buffer.from(SEEDS[i]!);
    for (const [pos, value, kind] of edits) {
      const at = pos % b.length;
      if (kind === 0) b[at] = value;
      else if (kind === 1) b = Buffer.concat([b.subarray(0, at), Buffer.from([value]), b.subarray(at)]);
      else b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]);
    }
    return b;
  });

function u24(n: number): Buffer {
  const b = Buffer.alloc(3);
  b.writeUIntBE(n, 0, 3);
  return b;
}

/** A TLS 1.2 server flight carrying these certificates: ServerHello, Certificate, ServerHelloDone. */
function flightWith(certs: Buffer[]): Buffer {
  const hello = Buffer.concat([Buffer.from([3, 3]), Buffer.alloc(32, 1), Buffer.from([0, 0xc0, 0x2f, 0])]);
  const list = Buffer.concat(certs.map((c) => Buffer.concat([u24(c.length), c])));
  const body = Buffer.concat([
    Buffer.from([2]), u24(hello.length), hello,
    Buffer.from([11]), u24(list.length + 3), u24(list.length), list,
    Buffer.from([14, 0, 0, 0]),
  ]);
  const records: Buffer[] = [];
  for (let p = 0; p < body.length; p += 16384) {
    const frag = body.subarray(p, p + 16384);
    records.push(Buffer.from([22, 3, 3, frag.length >> 8, frag.length & 0xff]), frag);
  }
  return Buffer.concat(records);
}

/** Only AuditError (what the CLI prints as one line) may come out of the chain code. */
function onlyAuditErrors(fn: () => unknown): void {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof AuditError)) throw new Error(`threw ${(err as Error)?.constructor?.name} instead of AuditError: ${(err as Error)?.message}`);
  }
}

describe("fuzz: names read from the DER for the anchor lookup", () => {
  it("a mutated certificate's name key never throws, and equals the seed's wherever node:crypto spells the names alike", () => {
    const seeds = SEEDS.map((d) => new X509Certificate(d));
    fc.assert(
      fc.property(mutatedCert, (b) => {
        const keys = { subject: certificateNameKey(b, "subject"), issuer: certificateNameKey(b, "issuer") };
        let x: X509Certificate;
        try {
          x = new X509Certificate(b);
        } catch {
          return;
        }
        for (const s of seeds) {
          for (const which of ["subject", "issuer"] as const) {
            // A key may be missing (the name is then compared by a full parse), never different for names Node spells alike.
            if (x[which] === s[which] && keys[which] !== undefined) expect(keys[which]).toBe(certificateNameKey(s.raw, which));
          }
        }
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });
});

describe("fuzz: the chain a server sends", () => {
  const anchors = loadAnchors([derToPem(SEEDS[0]!)]);

  it("certificatesAsSent reads a mutated or cut server flight into certificates or an AuditError", () => {
    const flights = [flightWith([SEEDS[0]!, SEEDS[2]!]), flightWith([SEEDS[1]!])];
    const arb = fc.tuple(fc.constantFrom(...flights), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([f, pos, v, cut]) => {
      const b = Buffer.from(f);
      if (cut) return b.subarray(0, pos % b.length);
      b[pos % b.length] = v;
      return b;
    });
    fc.assert(fc.property(arb, (b) => onlyAuditErrors(() => certificatesAsSent(b))), { seed: SEED, numRuns: 1500 });
  });

  it("buildChainFacts over chains of mutated certificates gives facts or an AuditError", () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(mutatedCert, fc.constantFrom(...SEEDS)), { minLength: 1, maxLength: 3 }), (ders) =>
        onlyAuditErrors(() => buildChainFacts(ders, { anchors, anchorSource: "ssl-ca", hostName: "ec.example", source: "certificate-message", now: NOW })),
      ),
      { seed: SEED, numRuns: 600 },
    );
  });
});
