/** A Relay-style page request: at most `first` items after the opaque `after` cursor. */
export interface PageRequest {
  readonly first: number
  readonly after?: string | undefined
}

export interface Page<A> {
  readonly items: ReadonlyArray<{ readonly cursor: string; readonly node: A }>
  readonly hasNextPage: boolean
  readonly endCursor: string | null
}

export const MAX_PAGE_SIZE = 100

export const clampFirst = (first: number | null | undefined, fallback = 20): number =>
  Math.max(1, Math.min(MAX_PAGE_SIZE, Math.trunc(first ?? fallback)))

/**
 * The millisecond cursor (base64url of `<sortKeyMillis>:<id>`) this API gave before {@link encodeMicrosCursor}; still
 * read from clients ({@link decodePosition}). Cursors are opaque to clients.
 */
export const encodeCursor = (sortKey: Date, id: string): string =>
  Buffer.from(`${sortKey.getTime()}:${id}`, "utf8").toString("base64url")

const CURSOR = /^(-?\d{1,16}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

/**
 * The position a cursor this API gave stands for; null when there is none, or when it is not one of ours
 * (garbage, another encoding, a date out of range, an id that is not a UUID): it never reaches SQL.
 */
export const decodeCursor = (cursor: string | undefined): { readonly sortKey: Date; readonly id: string } | null => {
  if (cursor === undefined || cursor === "") return null
  const match = CURSOR.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  if (match === null) return null
  const sortKey = new Date(Number(match[1]))
  if (Number.isNaN(sortKey.getTime())) return null
  const id = match[2]!
  // Only the exact encoding this API writes: no padding, no other spelling of the same bytes.
  return encodeCursor(sortKey, id) === cursor ? { sortKey, id } : null
}

/**
 * A cursor at PostgreSQL's full precision: base64url of `u<sortKeyMicros>:<id>`, the sort key in microseconds
 * since the epoch as a decimal string (a `Date` holds milliseconds only, so paging on a rounded key would need
 * `date_trunc` in the ORDER BY, which no index serves).
 */
export const encodeMicrosCursor = (sortKeyMicros: string, id: string): string =>
  Buffer.from(`u${sortKeyMicros}:${id}`, "utf8").toString("base64url")

const MICROS_CURSOR = /^u(-?\d{1,19}):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/

/** The position a {@link encodeMicrosCursor} cursor stands for; null for anything else (never reaches SQL). */
export const decodeMicrosCursor = (
  cursor: string | undefined
): { readonly sortKeyMicros: string; readonly id: string } | null => {
  if (cursor === undefined || cursor === "") return null
  const match = MICROS_CURSOR.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  if (match === null) return null
  const micros = BigInt(match[1]!)
  // Years 1900 to 9999 (the arithmetic in SQL stays exact), and the one spelling this API writes.
  if (micros < -2208988800000000n || micros > 253402300799999999n) return null
  const sortKeyMicros = micros.toString()
  const id = match[2]!
  return encodeMicrosCursor(sortKeyMicros, id) === cursor ? { sortKeyMicros, id } : null
}

/** Microseconds since the epoch of a millisecond `Date` (the in-memory adapters' sort keys). */
export const microsOf = (date: Date): string => (BigInt(date.getTime()) * 1000n).toString()

/**
 * The exact position of a cursor this API gave, in microseconds: a {@link encodeMicrosCursor} one as it is, an older
 * millisecond one ({@link encodeCursor}) widened to its whole millisecond on the side that repeats rather than skips
 * (its first microsecond when paging ascending, its last when descending): an old cursor may show again a row of that
 * millisecond, never lose one. Null for anything else.
 */
export const decodePosition = (
  cursor: string | undefined,
  direction: "asc" | "desc"
): { readonly sortKeyMicros: string; readonly id: string } | null => {
  const micros = decodeMicrosCursor(cursor)
  if (micros !== null) return micros
  const millis = decodeCursor(cursor)
  if (millis === null) return null
  const start = BigInt(millis.sortKey.getTime()) * 1000n
  return { sortKeyMicros: (direction === "asc" ? start : start + 999n).toString(), id: millis.id }
}

/** Whether `cursor` is one this API gave (see {@link decodeCursor}, {@link decodeMicrosCursor}). */
export const isCursor = (cursor: string): boolean =>
  decodeCursor(cursor) !== null || decodeMicrosCursor(cursor) !== null
