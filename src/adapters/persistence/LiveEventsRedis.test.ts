import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Exit, Fiber, Layer, Scope, Stream } from "effect"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { LIVE_REDIS_CHANNEL, LiveEventsRedis } from "./LiveEventsRedis.ts"

// This machine kind runs Redis on 6379 (.ci/run starts it when it is down), as OperationLimits.test.ts uses it.
const redisUrl = process.env["TEST_REDIS_URL"] ?? "redis://127.0.0.1:6379"
const instance = LiveEventsRedis.pipe(Layer.provide(NodeRedis.layer({ url: redisUrl })))

const event = (tenantId: string, eventId: string): LiveEvent => ({
  tenantId: tenantId as TenantId,
  type: "message.status",
  eventId,
  conversationId: crypto.randomUUID(),
  messageId: crypto.randomUUID(),
  connectionId: null,
  status: "read",
  kind: "text"
})

describe("live events through Redis pub/sub (REDIS_URL)", () => {
  it.live("an event published on instance A reaches B's subscriber of that tenant, and A's; not another tenant's", () =>
    Effect.gen(function* () {
      const a = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
      const b = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
      const tenant = crypto.randomUUID()
      const onB = yield* b.subscribe(tenant as TenantId)
      const onA = yield* a.subscribe(tenant as TenantId)
      const otherOnB = yield* b.subscribe(crypto.randomUUID() as TenantId)
      const first = yield* Effect.forkChild(Stream.runCollect(Stream.take(onB, 2)))
      const own = yield* Effect.forkChild(Stream.runCollect(Stream.take(onA, 2)))
      const other = yield* Effect.forkChild(Stream.runCollect(Stream.take(otherOnB, 1)))
      const sent = event(tenant, "e-1")
      yield* a.publish([sent])
      yield* a.publish([event(crypto.randomUUID(), "e-foreign"), event(tenant, "e-2")])
      const received = yield* Fiber.join(first).pipe(Effect.timeout("5 seconds"))
      assert.deepStrictEqual(
        received.map((e) => e.eventId),
        ["e-1", "e-2"]
      )
      assert.deepStrictEqual(received[0], sent, "every field travels")
      assert.deepStrictEqual(
        (yield* Fiber.join(own).pipe(Effect.timeout("5 seconds"))).map((e) => e.eventId),
        ["e-1", "e-2"]
      )
      // The other tenant's subscriber got nothing of these (the foreign event went to a third tenant).
      yield* Effect.sleep("300 millis")
      assert.isUndefined(other.pollUnsafe())
    }).pipe(Effect.scoped)
  )

  it.live("a subscriber gets only what is published after it subscribed, and publishing nothing sends nothing", () =>
    Effect.gen(function* () {
      const a = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
      const b = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
      const tenant = crypto.randomUUID()
      yield* a.publish([event(tenant, "before")])
      yield* Effect.sleep("200 millis")
      const onB = yield* b.subscribe(tenant as TenantId)
      const got = yield* Effect.forkChild(Stream.runCollect(Stream.take(onB, 1)))
      yield* a.publish([])
      yield* a.publish([event(tenant, "after")])
      assert.deepStrictEqual(
        (yield* Fiber.join(got).pipe(Effect.timeout("5 seconds"))).map((e) => e.eventId),
        ["after"]
      )
    }).pipe(Effect.scoped)
  )

  it.live(
    "an instance SUBSCRIBEs only while it has a subscriber: none before, one per instance, none after the last",
    () =>
      Effect.gen(function* () {
        // Redis's own count of the channel's subscribed connections (other test files may hold theirs: a difference).
        const numsub = Effect.flatMap(NodeRedis.NodeRedis, (redis) =>
          redis.use((client) => client.sendCommand(["PUBSUB", "NUMSUB", LIVE_REDIS_CHANNEL]))
        ).pipe(
          Effect.map((reply) => Number((reply as unknown as ReadonlyArray<unknown>)[1])),
          Effect.provide(NodeRedis.layer({ url: redisUrl }))
        )
        const base = yield* numsub
        const a = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
        const b = Context.get(yield* Layer.build(Layer.fresh(instance)), LiveEvents)
        assert.strictEqual((yield* numsub) - base, 0, "nobody subscribes: no SUBSCRIBE")
        const tenant = crypto.randomUUID()
        const first = yield* Scope.make()
        const onB = yield* b.subscribe(tenant as TenantId).pipe(Scope.provide(first))
        yield* b.subscribe(tenant as TenantId).pipe(Scope.provide(first))
        assert.strictEqual((yield* numsub) - base, 1, "B subscribed once, whatever its subscribers; A not at all")
        const got = yield* Effect.forkChild(Stream.runHead(onB))
        yield* a.publish([event(tenant, "from-a")])
        const head = yield* Fiber.join(got).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(head._tag === "Some" ? head.value.eventId : undefined, "from-a")
        yield* Scope.close(first, Exit.void)
        assert.strictEqual((yield* numsub) - base, 0, "the last subscriber left: UNSUBSCRIBE")
        const again = yield* b.subscribe(tenant as TenantId)
        const gotAgain = yield* Effect.forkChild(Stream.runHead(again))
        yield* a.publish([event(tenant, "again")])
        const headAgain = yield* Fiber.join(gotAgain).pipe(Effect.timeout("5 seconds"))
        assert.strictEqual(headAgain._tag === "Some" ? headAgain.value.eventId : undefined, "again")
      }).pipe(Effect.scoped)
  )
})
