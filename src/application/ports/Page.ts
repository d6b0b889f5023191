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

/** Cursors are opaque to clients: base64url of `<sortKeyMillis>:<id>`. */
export const encodeCursor = (sortKey: Date, id: string): string =>
  Buffer.from(`${sortKey.getTime()}:${id}`, "utf8").toString("base64url")

export const decodeCursor = (cursor: string | undefined): { readonly sortKey: Date; readonly id: string } | null => {
  if (cursor === undefined || cursor === "") return null
  const decoded = Buffer.from(cursor, "base64url").toString("utf8")
  const match = /^(-?\d+):([0-9a-f-]{36})$/.exec(decoded)
  if (match === null) return null
  return { sortKey: new Date(Number(match[1])), id: match[2]! }
}
