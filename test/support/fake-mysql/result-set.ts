// COM_QUERY answers: a text result set ("page_protocol_com_query_response_text_resultset"), an OK or an ERR.
import { CLIENT, hasCap, MARIADB_CLIENT, SERVER_STATUS_AUTOCOMMIT } from "./capabilities.js";
import { PacketWriter } from "./packets.js";
import { eofPayload, errPayload, okPayload, type ServerError } from "./responses.js";

/** What a query handler answers: rows (all text, NULL as null), an error, or a bare OK. */
export type QueryResult =
  | { columns: string[]; rows: (string | null)[][] }
  | { error: ServerError }
  | { ok: true; affectedRows?: number };

/** What the encoder needs to know about the session. */
export interface ResultContext {
  /** Capabilities both sides agreed on. */
  capabilities: number;
  /** MariaDB extended capabilities both sides agreed on. */
  mariadbExtCapabilities: number;
  charset: number;
}

const MYSQL_TYPE_VAR_STRING = 0xfd;

function columnDefinition(name: string, ctx: ResultContext): Buffer {
  const w = new PacketWriter()
    .strLenenc("def") // catalog
    .strLenenc("") // schema
    .strLenenc("") // table
    .strLenenc("") // org_table
    .strLenenc(name)
    .strLenenc(name);
  // MariaDB sends a (here empty) extended type-info block when the client asked for extended metadata.
  if (ctx.mariadbExtCapabilities & MARIADB_CLIENT.EXTENDED_METADATA) w.strLenenc("");
  return w
    .lenenc(0x0c) // length of the fixed fields
    .int2(ctx.charset)
    .int4(1024) // column length
    .int1(MYSQL_TYPE_VAR_STRING)
    .int2(0) // flags
    .int1(0x1f) // decimals: 0x1f for non-numeric columns
    .zeros(2)
    .build();
}

function textRow(row: (string | null)[]): Buffer {
  const w = new PacketWriter();
  for (const v of row) {
    if (v === null) w.int1(0xfb);
    else w.strLenenc(v);
  }
  return w.build();
}

/** The payloads that answer a query, in order; the caller numbers them from sequence id 1. */
export function queryResultPayloads(result: QueryResult, ctx: ResultContext): Buffer[] {
  if ("error" in result) return [errPayload(result.error, hasCap(ctx.capabilities, CLIENT.PROTOCOL_41))];
  if ("ok" in result) return [okPayload(ctx.capabilities, { affectedRows: result.affectedRows ?? 0 })];
  const deprecateEof = hasCap(ctx.capabilities, CLIENT.DEPRECATE_EOF);
  const count = new PacketWriter().lenenc(result.columns.length);
  // With CLIENT_OPTIONAL_RESULTSET_METADATA the count is followed by metadata_follows (1 = RESULTSET_METADATA_FULL).
  if (hasCap(ctx.capabilities, CLIENT.OPTIONAL_RESULTSET_METADATA)) count.int1(1);
  const out: Buffer[] = [count.build()];
  for (const c of result.columns) out.push(columnDefinition(c, ctx));
  if (!deprecateEof) out.push(eofPayload());
  // Rows are sent as given, even with the wrong number of values: hostile-server tests need exactly that.
  for (const r of result.rows) out.push(textRow(r));
  // With CLIENT_DEPRECATE_EOF the result set ends with an OK packet that carries the 0xfe header.
  out.push(deprecateEof ? okPayload(ctx.capabilities, { header: 0xfe, status: SERVER_STATUS_AUTOCOMMIT }) : eofPayload());
  return out;
}
