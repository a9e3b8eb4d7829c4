/** Raised by the pure wire code when bytes do not follow the MySQL protocol; net/ turns it into an AuditError. */
export class ProtocolError extends Error {
  override readonly name = "ProtocolError";
}
