import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import { WebhookSenderHttp } from "../../adapters/webhook-out/WebhookSenderHttp.ts"
import { WebhookEndpointStore } from "./ports/WebhookEndpointStore.ts"
import { WebhookDelivery } from "./WebhookDelivery.ts"

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
