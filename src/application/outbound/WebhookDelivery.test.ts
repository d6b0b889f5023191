import { assert, describe, it } from "@effect/vitest"
import { Context, Deferred, Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { DeliveryWakeupsMemory } from "../../adapters/persistence/DeliveryWakeupsMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import { WebhookSenderHttp } from "../../adapters/webhook-out/WebhookSenderHttp.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { DeliveryWakeups } from "./ports/DeliveryWakeups.ts"
import { WebhookEndpointStore } from "./ports/WebhookEndpointStore.ts"
import { type SendRequest, WebhookSender } from "./ports/WebhookSender.ts"
import { WebhookDelivery } from "./WebhookDelivery.ts"
import { secretBinding } from "./WebhookEndpoints.ts"

/** The leases the worker asked for, through the in-memory store. */
const recording = (leases: Array<number>) =>
  Layer.effect(
    WebhookEndpointStore,
    Effect.map(WebhookEndpointStore, (store) =>
      WebhookEndpointStore.of({
        ...store,
        claim: (limit, leaseSeconds) => {
          leases.push(leaseSeconds)
          return store.claim(limit, leaseSeconds)
        }
      })
    )
  ).pipe(Layer.provide(PersistenceMemory))

const drainWith = (settings: { readonly timeoutSeconds?: number }) =>
  Effect.gen(function* () {
    const leases: Array<number> = []
    yield* Effect.flatMap(WebhookDelivery, (delivery) => delivery.drain).pipe(
      Effect.provide(
        WebhookDelivery.layer({
          retryBaseMillis: 10_000,
          disableAfterFailures: 50,
          retentionDays: 30,
          ...settings
        }).pipe(
          Layer.provide(
            Layer.mergeAll(
              recording(leases),
              WebhookSenderHttp({ allowPrivateTargets: false }),
              layerFromKeys({ active: new Uint8Array(32).fill(3), previous: [] })
            )
          )
        )
      )
    )
    return leases
  })

describe("outbound webhook delivery leases", () => {
  it.effect("a claim's lease outlasts the send timeout by 5 s: 15 s by default, 7 s with a 2 s timeout", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* drainWith({}), [15])
      assert.deepStrictEqual(yield* drainWith({ timeoutSeconds: 2 }), [7])
    })
  )
})

/** Lets the forked worker run what it can without time passing. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 50; i++) yield* Effect.yieldNow
})

/**
 * The worker over the in-memory store with a sender that records each request and answers 200, except that a send
 * to `https://slow.example.com/…` waits for `release` first.
 */
const workerWorld = Effect.gen(function* () {
  const sent: Array<SendRequest> = []
  const release = yield* Deferred.make<void>()
  const sender = Layer.succeed(
    WebhookSender,
    WebhookSender.of({
      checkTarget: () => Effect.void,
      newSecret: Effect.succeed(Redacted.make("whsec_test")),
      send: (request) =>
        Effect.gen(function* () {
          sent.push(request)
          if (request.url.startsWith("https://slow.example.com/")) yield* Deferred.await(release)
          return { statusCode: 200, durationMs: 1, responseExcerpt: "ok", error: null }
        })
    })
  )
  /** The sizes of the store's record calls (recordAttempt: 1 each, marked negative). */
  const recorded: Array<number> = []
  const counting = Layer.effect(
    WebhookEndpointStore,
    Effect.map(WebhookEndpointStore, (store) =>
      WebhookEndpointStore.of({
        ...store,
        recordAttempt: (...args) => {
          recorded.push(-1)
          return store.recordAttempt(...args)
        },
        recordAttempts: (attempts, disableAfter) => {
          recorded.push(attempts.length)
          return store.recordAttempts(attempts, disableAfter)
        }
      })
    )
  )
  const services = yield* Layer.build(
    WebhookDelivery.layer({ retryBaseMillis: 10_000, disableAfterFailures: 50, retentionDays: 30 }).pipe(
      Layer.provideMerge(
        Layer.mergeAll(
          counting.pipe(Layer.provideMerge(PersistenceMemory)),
          sender,
          layerFromKeys({ active: new Uint8Array(32).fill(3), previous: [] }),
          DeliveryWakeupsMemory
        )
      )
    )
  )
  const store = Context.get(services, WebhookEndpointStore)
  const cipher = Context.get(services, TokenCipher)
  const tenantId = crypto.randomUUID() as TenantId
  const endpoint = (url: string) =>
    Effect.gen(function* () {
      const id = crypto.randomUUID()
      const secretEnc = yield* cipher.encrypt(Redacted.make("whsec_dGVzdHNlY3JldA=="), secretBinding({ tenantId, id }))
      return yield* store.create({ id, tenantId, url, events: ["*"], secretEnc })
    })
  const announce = (endpointId: string) =>
    store.announceTo(tenantId, endpointId, {
      tenantId,
      type: "webhook.test",
      data: { note: "test" },
      orderingKey: null
    })
  return {
    sent,
    recorded,
    tenantId,
    release,
    store,
    endpoint,
    announce,
    delivery: Context.get(services, WebhookDelivery),
    wakeups: Context.get(services, DeliveryWakeups)
  }
})

describe("outbound webhook worker", () => {
  it.effect("a wake-up delivers at once, without waiting for the poll", () =>
    Effect.gen(function* () {
      const world = yield* workerWorld
      const ep = yield* world.endpoint("https://fast.example.com/in")
      const { delivery, wakeups } = world
      yield* Effect.forkChild(delivery.run("1 hour"))
      yield* settle
      assert.strictEqual(world.sent.length, 0, "nothing due yet: the worker waits")
      const eventId = yield* world.announce(ep.id)
      yield* settle
      assert.strictEqual(world.sent.length, 0, "stored without a wake: it waits for the poll")
      yield* wakeups.wake
      yield* settle
      assert.deepStrictEqual(
        world.sent.map((r) => r.id),
        [eventId],
        "woken: delivered with no time passing"
      )
      const second = yield* world.announce(ep.id)
      yield* TestClock.adjust("1 hour")
      yield* settle
      assert.deepStrictEqual(
        world.sent.map((r) => r.id),
        [eventId, second],
        "the poll still delivers what no wake announced"
      )
    }).pipe(Effect.scoped)
  )

  it.effect("a slow receiver does not hold back later deliveries to other endpoints", () =>
    Effect.gen(function* () {
      const world = yield* workerWorld
      const slow = yield* world.endpoint("https://slow.example.com/in")
      const fast = yield* world.endpoint("https://fast.example.com/in")
      const { delivery, wakeups } = world
      yield* Effect.forkChild(delivery.run("1 hour"))
      yield* settle
      const held = yield* world.announce(slow.id)
      yield* wakeups.wake
      yield* settle
      assert.deepStrictEqual(
        world.sent.map((r) => r.id),
        [held],
        "the slow receiver has the first delivery and has not answered"
      )
      const later = yield* world.announce(fast.id)
      yield* wakeups.wake
      yield* settle
      assert.deepStrictEqual(
        world.sent.map((r) => r.id),
        [held, later],
        "claimed and sent while the first send is still out"
      )
      const fastLog = yield* world.store.deliveries(slow.tenantId, fast.id, { first: 10 })
      assert.deepStrictEqual(
        fastLog.map((d) => d.state),
        ["delivered"]
      )
      yield* Deferred.succeed(world.release, undefined)
      yield* settle
      const slowLog = yield* world.store.deliveries(slow.tenantId, slow.id, { first: 10 })
      assert.deepStrictEqual(
        slowLog.map((d) => d.state),
        ["delivered"]
      )
    }).pipe(Effect.scoped)
  )
})

describe("outbound webhook attempts", () => {
  it.effect("the attempts of sends that answered meanwhile are recorded together", () =>
    Effect.gen(function* () {
      const world = yield* workerWorld
      const ep = yield* world.endpoint("https://fast.example.com/in")
      const other = yield* world.endpoint("https://fast.example.com/other")
      for (const id of [ep.id, ep.id, other.id]) yield* world.announce(id)
      assert.strictEqual(yield* world.delivery.drain, 3)
      assert.deepStrictEqual(world.recorded, [3], "one recordAttempts of the three, no recordAttempt")
      const log = yield* world.store.deliveries(world.tenantId, ep.id, { first: 10 })
      assert.deepStrictEqual(
        log.map((d) => d.state),
        ["delivered", "delivered"]
      )
    }).pipe(Effect.scoped)
  )
})
