import { decodeCursor, encodeCursor, type Page, type PageRequest } from "../../application/ports/Page.ts"

/**
 * Pages an in-memory list the way the Postgres adapters do: ordered by (sort key at millisecond precision, id),
 * ascending or descending, resuming strictly after the cursor.
 */
export const pageOf = <A extends { readonly id: string }>(
  all: ReadonlyArray<A>,
  sortKey: (a: A) => Date,
  direction: "asc" | "desc",
  request: PageRequest
): Page<A> => {
  const sign = direction === "asc" ? 1 : -1
  const compare = (a: { key: number; id: string }, b: { key: number; id: string }) =>
    sign * (a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
  const cursor = decodeCursor(request.after)
  const sorted = all
    .map((node) => ({ node, key: sortKey(node).getTime(), id: node.id }))
    .sort(compare)
    .filter((entry) => cursor === null || compare(entry, { key: cursor.sortKey.getTime(), id: cursor.id }) > 0)
  const items = sorted
    .slice(0, request.first)
    .map(({ node }) => ({ node, cursor: encodeCursor(sortKey(node), node.id) }))
  return { items, hasNextPage: sorted.length > request.first, endCursor: items.at(-1)?.cursor ?? null }
}
