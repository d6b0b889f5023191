import {
  decodePosition,
  encodeMicrosCursor,
  microsOf,
  type Page,
  type PageRequest
} from "../../application/ports/Page.ts"

/**
 * Pages an in-memory list the way the Postgres adapters do: ordered by (sort key, id), ascending or descending,
 * resuming strictly after the cursor (microsecond cursors, as PostgreSQL's; a `Date` key is whole milliseconds).
 */
export const pageOf = <A extends { readonly id: string }>(
  all: ReadonlyArray<A>,
  sortKey: (a: A) => Date,
  direction: "asc" | "desc",
  request: PageRequest
): Page<A> => {
  const sign = direction === "asc" ? 1 : -1
  const compare = (a: { key: bigint; id: string }, b: { key: bigint; id: string }) =>
    sign * (a.key < b.key ? -1 : a.key > b.key ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  const cursor = decodePosition(request.after, direction)
  const from = cursor === null ? null : { key: BigInt(cursor.sortKeyMicros), id: cursor.id }
  const sorted = all
    .map((node) => ({ node, key: BigInt(microsOf(sortKey(node))), id: node.id }))
    .sort(compare)
    .filter((entry) => from === null || compare(entry, from) > 0)
  const items = sorted
    .slice(0, request.first)
    .map(({ node, key }) => ({ node, cursor: encodeMicrosCursor(key.toString(), node.id) }))
  return { items, hasNextPage: sorted.length > request.first, endCursor: items.at(-1)?.cursor ?? null }
}
