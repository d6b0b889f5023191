import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { WebhookEndpointStore } from "./ports/WebhookEndpointStore.ts"
import { WebhookDelivery } from "./WebhookDelivery.ts"

const DAY = 86_400_000

describe("outbound webhook retention (WEBHOOK_DELIVERY_RETENTION_DAYS)", () => {
  it.effect("the hourly job deletes an event and its log once older than the retention, not before", () =>
    Effect.gen(function* () {
      const store = yield* WebhookEndpointStore
      const tenantId = crypto.randomUUID() as TenantId
      const endpoint = yield* store.create({
        id: crypto.randomUUID(),
        tenantId,
        url: "https://hooks.example.com/in",
        events: ["*"],
        secretEnc: "k1:s" as EncryptedToken
      })
      yield* store.announceTo(tenantId, endpoint.id, { tenantId, type: "webhook.test", orderingKey: null, data: {} })
      const written = Date.now()
      const count = Effect.map(store.deliveries(tenantId, endpoint.id, { first: 10 }), (d) => d.length)
      // The job's clock: 30 days less an hour and a minute after the event.
      yield* TestClock.setTime(written + 30 * DAY - 61 * 60_000)
      yield* Layer.build(WebhookDelivery.retention(30, "1 hour"))
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* count, 1, "29 days 23 hours old: kept")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* count, 1, "still a minute short of 30 days: kept")
      yield* TestClock.adjust("1 hour")
      assert.strictEqual(yield* count, 0, "past 30 days: the event, its delivery and attempts are gone")
    }).pipe(Effect.scoped, Effect.provide(PersistenceMemory))
  )
})
