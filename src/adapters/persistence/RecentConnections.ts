import { Clock, Effect, type Option } from "effect"
import type { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"

/** How long a current connection read for a view is reused (issue 18.4): other instances' writes show within it. */
export const RECENT_CONNECTION_MILLIS = 2_000
/** Beyond this many tenants in the cache, it starts over (a bound on memory, not an eviction policy). */
const MAX_ENTRIES = 10_000

type Repository = ConnectionRepository["Service"]

/**
 * `repository` with `findCurrentRecent`: `findCurrent` answered from a per-tenant cache for up to `ttlMillis`. Every
 * write through the repository empties the cache when it starts and when it ends (whatever tenant it touched: a claim
 * may take a number over from another tenant), and a read that raced with a write is not kept, so this instance
 * sees its own writes at once. Rows written by another instance (or by hand) show within `ttlMillis`.
 */
export const withRecentCurrent = (
  repository: Omit<Repository, "findCurrentRecent">,
  ttlMillis: number = RECENT_CONNECTION_MILLIS
): Repository => {
  let generation = 0
  const entries = new Map<string, { readonly at: number; readonly value: Option.Option<ChannelConnection> }>()
  const forget = () => {
    generation++
    entries.clear()
  }
  const writing = <A, E>(write: () => Effect.Effect<A, E>): Effect.Effect<A, E> =>
    Effect.suspend(() => {
      forget()
      return write()
    }).pipe(Effect.ensuring(Effect.sync(forget)))

  const findCurrentRecent: Repository["findCurrentRecent"] = (tenantId, provider) =>
    Effect.gen(function* () {
      const key = `${provider}:${tenantId}`
      const now = yield* Clock.currentTimeMillis
      const hit = entries.get(key)
      if (hit !== undefined && now - hit.at < ttlMillis) return hit.value
      const started = generation
      const value = yield* repository.findCurrent(tenantId, provider)
      if (generation === started) {
        if (entries.size >= MAX_ENTRIES) entries.clear()
        entries.set(key, { at: now, value })
      }
      return value
    })

  return {
    ...repository,
    findCurrentRecent,
    claimNumber: (phoneNumberId, write) => writing(() => repository.claimNumber(phoneNumberId, write)),
    upsertUnnumbered: (write) => writing(() => repository.upsertUnnumbered(write)),
    update: (tenantId, id, patch) => writing(() => repository.update(tenantId, id, patch)),
    deleteUnnumbered: (tenantId, provider) => writing(() => repository.deleteUnnumbered(tenantId, provider)),
    replaceToken: (id, expected, next) => writing(() => repository.replaceToken(id, expected, next))
  }
}
