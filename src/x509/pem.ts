/** DER to one PEM CERTIFICATE block, 64 columns, as OpenSSL writes it. */
export function derToPem(der: Buffer): string {
  const b64 = der.toString("base64").replace(/.{64}/g, "$&\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Every CERTIFICATE block of a PEM text, as DER, in file order; other blocks (keys, CRLs) are ignored. */
export function pemToDerList(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
  for (const m of pem.matchAll(re)) out.push(Buffer.from(m[1]!.replace(/\s+/g, ""), "base64"));
  return out;
}
