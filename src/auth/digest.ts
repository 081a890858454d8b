/** The one digest this server keys things by: credentials in the rate limiter and API-key table, arguments in the cache. */

/** Lowercase hex SHA-256 of the UTF-8 text. */
export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}
