import { assert, describe, it } from "@effect/vitest"
import { Deferred, Effect, Fiber, Option } from "effect"
import { TestClock } from "effect/testing"
import type { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import type { ChannelConnection, EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { ConnectionId, TenantId } from "../../domain/Ids.ts"
import { RECENT_CONNECTION_MILLIS, withRecentCurrent } from "./RecentConnections.ts"

const TENANT = "00000000-0000-4000-8000-000000000001" as TenantId

/** A repository whose `findCurrent` counts its reads and answers `current.value` (optionally after `gate`). */
const counting = (gate?: Deferred.Deferred<void>) => {
  const state = { reads: 0, value: "first" }
  const row = () => Option.some({ id: state.value } as unknown as ChannelConnection)
  const unused = () => Effect.die("not used")
  const inner: Omit<ConnectionRepository["Service"], "findCurrentRecent"> = {
    claimNumber: unused,
    upsertUnnumbered: unused,
    findById: unused,
    findCurrent: () =>
      Effect.gen(function* () {
        state.reads++
        const answer = row()
        if (gate !== undefined) yield* Deferred.await(gate)
        return answer
      }),
    listByTenant: unused,
    findByPhoneNumberId: unused,
    findByWabaId: unused,
    update: () => Effect.sync(() => ({ id: state.value }) as unknown as ChannelConnection),
    listHoldingTokens: unused,
    deleteUnnumbered: unused,
    replaceToken: () => Effect.succeed(true)
  }
  return { state, repo: withRecentCurrent(inner) }
}
const idOf = (found: Option.Option<ChannelConnection>) => Option.getOrThrow(found).id as string

describe("withRecentCurrent", () => {
  it.effect("answers from the cache within the TTL, then reads again", () =>
    Effect.gen(function* () {
      const { state, repo } = counting()
      assert.strictEqual(idOf(yield* repo.findCurrentRecent(TENANT, "meta_whatsapp")), "first")
      state.value = "second" // written by another instance
      yield* TestClock.adjust(RECENT_CONNECTION_MILLIS - 1)
      assert.strictEqual(idOf(yield* repo.findCurrentRecent(TENANT, "meta_whatsapp")), "first")
      assert.strictEqual(state.reads, 1)
      yield* TestClock.adjust(1)
      assert.strictEqual(idOf(yield* repo.findCurrentRecent(TENANT, "meta_whatsapp")), "second")
      assert.strictEqual(state.reads, 2)
    })
  )

  it.effect("forgets everything on a write through it, and never keeps a read that raced with one", () =>
    Effect.gen(function* () {
      const { state, repo } = counting()
      yield* repo.findCurrentRecent(TENANT, "meta_whatsapp")
      state.value = "second"
      yield* repo.replaceToken("c" as ConnectionId, "a" as EncryptedToken, "b" as EncryptedToken)
      assert.strictEqual(idOf(yield* repo.findCurrentRecent(TENANT, "meta_whatsapp")), "second")

      const gate = yield* Deferred.make<void>()
      const raced = counting(gate)
      // A read starts (and sees "first"), a write lands before it ends: the stale answer is not cached.
      const reading = yield* Effect.forkChild(raced.repo.findCurrentRecent(TENANT, "meta_whatsapp"))
      yield* Effect.yieldNow
      raced.state.value = "second"
      yield* raced.repo.update(TENANT, "c" as ConnectionId, { status: "revoked" })
      yield* Deferred.succeed(gate, undefined)
      assert.strictEqual(idOf(yield* Fiber.join(reading)), "first")
      assert.strictEqual(idOf(yield* raced.repo.findCurrentRecent(TENANT, "meta_whatsapp")), "second")
    })
  )
})
