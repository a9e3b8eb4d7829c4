import { describe, expect, it } from "vitest";
import { parseGreeting } from "../../src/protocol/handshake.js";
import { parseErrPacket } from "../../src/protocol/err-packet.js";
import { PacketFramer, encodePacket } from "../../src/protocol/framer.js";
import { ProtocolError } from "../../src/protocol/protocol-error.js";
import { CLIENT } from "../../src/protocol/capabilities.js";
import { encodeSslRequest } from "../../src/protocol/ssl-request.js";
import { encodeHandshakeResponse } from "../../src/protocol/handshake-response.js";
import { Bytes, greetingV10 } from "../support/bytes.js";

describe("HandshakeV10", () => {
  it("decodes a MySQL 8.4 greeting field by field", () => {
    const g = parseGreeting(greetingV10({ version: "8.4.3", connectionId: 77, charset: 255, status: 2 }));
    expect(g.kind).toBe("v10");
    if (g.kind !== "v10") return;
    expect(g.serverVersion).toBe("8.4.3");
    expect(g.connectionId).toBe(77);
    expect(g.collation).toBe("utf8mb4_0900_ai_ci");
    expect(g.statusFlagNames).toEqual(["SERVER_STATUS_AUTOCOMMIT"]);
    expect(g.authPlugin).toBe("caching_sha2_password");
    expect(g.scramble.toString()).toBe("0123456789abcdefghij");
    expect(g.sslOffered).toBe(true);
    expect(g.capabilityNames).toContain("CLIENT_SSL");
    expect(g.capabilityNames).toContain("CLIENT_PLUGIN_AUTH");
    expect(g.mariadbCapabilities).toBeUndefined();
  });

  it("reads MariaDB's extended capabilities when CLIENT_MYSQL is clear", () => {
    const caps = 0xdfffffff & ~CLIENT.LONG_PASSWORD;
    const g = parseGreeting(greetingV10({ version: "5.5.5-10.11.6-MariaDB-0+deb12u1", capabilities: caps, mariadbExt: 0x1d, plugin: "mysql_native_password" }));
    if (g.kind !== "v10") throw new Error("expected v10");
    expect(g.mariadbCapabilityNames).toEqual([
      "MARIADB_CLIENT_PROGRESS",
      "MARIADB_CLIENT_STMT_BULK_OPERATIONS",
      "MARIADB_CLIENT_EXTENDED_METADATA",
      "MARIADB_CLIENT_CACHE_METADATA",
    ]);
  });

  it("sees a server without CLIENT_SSL", () => {
    const g = parseGreeting(greetingV10({ capabilities: 0xdfffffff & ~CLIENT.SSL }));
    if (g.kind !== "v10") throw new Error("expected v10");
    expect(g.sslOffered).toBe(false);
    expect(g.capabilityNames).not.toContain("CLIENT_SSL");
  });

  it("accepts a plugin name without its NUL terminator (as some servers send it)", () => {
    const full = greetingV10({ plugin: "mysql_native_password" });
    const g = parseGreeting(full.subarray(0, full.length - 1));
    if (g.kind !== "v10") throw new Error("expected v10");
    expect(g.authPlugin).toBe("mysql_native_password");
  });

  it("decodes an old greeting that stops after the lower capability word", () => {
    const p = new Bytes().u8(10).nul("4.0.27").u32(5).str("abcdefgh").u8(0).u16(0x0800 | 0x0200).build();
    const g = parseGreeting(p);
    if (g.kind !== "v10") throw new Error("expected v10");
    expect(g.sslOffered).toBe(true);
    expect(g.characterSet).toBeUndefined();
  });

  it("decodes a protocol 9 greeting", () => {
    const g = parseGreeting(new Bytes().u8(9).nul("3.20.32").u32(3).nul("scramble").build());
    expect(g).toMatchObject({ kind: "v9", protocolVersion: 9, serverVersion: "3.20.32", connectionId: 3 });
  });

  it("reports an ERR packet sent instead of a greeting, with and without SQLSTATE", () => {
    const blocked = new Bytes().u8(0xff).u16(1129).str("Host '10.0.0.5' is blocked because of many connection errors").build();
    expect(parseGreeting(blocked)).toEqual({ kind: "error", errno: 1129, message: "Host '10.0.0.5' is blocked because of many connection errors" });
    const tooMany = new Bytes().u8(0xff).u16(1040).str("#08004").str("Too many connections").build();
    expect(parseErrPacket(tooMany)).toEqual({ errno: 1040, sqlState: "08004", message: "Too many connections" });
  });

  it("throws ProtocolError, never anything else, for every truncation of a greeting", () => {
    const full = greetingV10();
    for (let cut = 0; cut < full.length - 1; cut++) {
      try {
        parseGreeting(full.subarray(0, cut));
      } catch (err) {
        expect(err).toBeInstanceOf(ProtocolError);
      }
    }
  });

  it("rejects an unknown protocol version", () => {
    expect(() => parseGreeting(Buffer.from([11, 0x41, 0]))).toThrow(ProtocolError);
  });
});

describe("PacketFramer", () => {
  it("reassembles packets cut at every offset", () => {
    const stream = Buffer.concat([encodePacket(0, greetingV10()), encodePacket(1, Buffer.from([0xff, 1, 2]))]);
    for (let cut = 0; cut <= stream.length; cut++) {
      const f = new PacketFramer();
      const got = [...f.push(stream.subarray(0, cut)), ...f.push(stream.subarray(cut))];
      expect(got.map((p) => p.sequenceId)).toEqual([0, 1]);
      expect(got[0]!.payload.equals(greetingV10())).toBe(true);
    }
  });

  it("refuses a header that announces an oversized packet", () => {
    const f = new PacketFramer(64 * 1024);
    expect(() => f.push(new Bytes().u24(0xffffff).u8(0).build())).toThrow(/announces 16777215 bytes/);
  });
});

describe("client packets", () => {
  it("encodes the 32-byte SSLRequest with CLIENT_SSL and sequence id 1", () => {
    const p = encodeSslRequest();
    expect(p.length).toBe(36);
    expect(p.readUIntLE(0, 3)).toBe(32);
    expect(p[3]).toBe(1);
    const caps = p.readUInt32LE(4);
    expect(caps & CLIENT.SSL).toBeTruthy();
    expect(caps & CLIENT.PROTOCOL_41).toBeTruthy();
    expect(p.subarray(13).equals(Buffer.alloc(23))).toBe(true);
  });

  it("encodes a HandshakeResponse41 naming the user and plugin", () => {
    const p = encodeHandshakeResponse({ user: "mysql-tls-audit", authPlugin: "mysql_native_password", sequenceId: 2 });
    expect(p[3]).toBe(2);
    const payload = p.subarray(4);
    expect(payload.subarray(32).toString("latin1")).toBe("mysql-tls-audit\0\0mysql_native_password\0");
  });
});
