/**
 * Which SQLite failures mean "the store cannot work right now" (answered 503
 * `store_unavailable`, with a Retry-After) rather than a bug (answered 500).
 *
 * Unavailable: the disk or the file's size cap is full (SQLITE_FULL), the
 * file cannot be read or written (SQLITE_IOERR_*: a failing or vanished disk,
 * a full disk while writing the WAL), opened (SQLITE_CANTOPEN_*) or written at
 * all (SQLITE_READONLY_*: a file system remounted read-only, the file's
 * permissions changed), another process holds the write lock past the busy
 * timeout (SQLITE_BUSY_*), or the WAL locks are in contention
 * (SQLITE_PROTOCOL). Each can pass without a restart, and a rejected change
 * leaves nothing behind (its savepoint is rolled back).
 *
 * Not unavailable: SQLITE_CORRUPT, SQLITE_CONSTRAINT, SQLITE_MISUSE, a
 * syntax error: bugs or damage that waiting will not cure (500, logged).
 *
 * 503, not 507 Insufficient Storage: 507 is WebDAV's, and clients, proxies
 * and our SDK already treat a 503 with Retry-After as "try again later".
 */
const UNAVAILABLE = /^SQLITE_(FULL|IOERR|CANTOPEN|READONLY|BUSY|PROTOCOL|NOLFS)(_|$)/;

export function isSqliteUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === "string" && UNAVAILABLE.test(code);
}

/** A short human reason for the problem's detail. */
export function sqliteReason(err: unknown): string {
  const code = String((err as { code?: unknown })?.code ?? "");
  if (code === "SQLITE_FULL") return "the database or its disk is full";
  if (code.startsWith("SQLITE_BUSY")) return "the database file is locked by another process";
  if (code.startsWith("SQLITE_READONLY")) return "the database file cannot be written";
  return `the database file cannot be read or written (${code})`;
}
