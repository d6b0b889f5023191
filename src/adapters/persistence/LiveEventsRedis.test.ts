import { NodeRedis } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Fiber, Layer, Stream } from "effect"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { LiveEventsRedis } from "./LiveEventsRedis.ts"

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
})
