/**
 * Migration 0020's trigger wakes the delivery worker of every instance: deliveries stored by another client (its own
 * pool, as another instance's) reach this one's `LISTEN webhook_deliveries`. PostgreSQL only (PGlite has one
 * connection and no LISTEN across clients; the worker polls there).
 */
import { Effect, Fiber, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { DeliveryWakeups } from "../../application/outbound/ports/DeliveryWakeups.ts"
import { WebhookEndpointStore } from "../../application/outbound/ports/WebhookEndpointStore.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { layerServer } from "./Database.ts"
import { DeliveryWakeupsPg } from "./DeliveryWakeupsPg.ts"
import { MigrationsLive } from "./Migrations.ts"
import { PersistencePg } from "./Persistence.ts"

const url = process.env["DATABASE_URL"]
const runtimes: Array<{ dispose: () => Promise<void> }> = []
afterAll(async () => {
  for (const runtime of runtimes.reverse()) await runtime.dispose()
})

describe.runIf(url !== undefined)("delivery wake-ups (PostgreSQL)", () => {
  it("deliveries stored by another instance wake this one's worker", async () => {
    const schema = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
    const admin = ManagedRuntime.make(layerServer(Redacted.make(url!), { maxConnections: 1 }))
    await admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)))
    await admin.dispose()
    const database = () => layerServer(Redacted.make(url!), { searchPath: schema, maxConnections: 2 }).pipe(Layer.orDie)
    const listener = ManagedRuntime.make(
      DeliveryWakeupsPg.pipe(Layer.provide(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(database()))))
    )
    runtimes.push(listener)
    const other = ManagedRuntime.make(PersistencePg.pipe(Layer.provideMerge(database())))
    runtimes.push(other)
    // The listener's runtime migrates the schema first.
    const wakeups = await listener.runPromise(
      Effect.gen(function* () {
        return yield* DeliveryWakeups
      })
    )
    const tenantId = crypto.randomUUID() as TenantId
    const endpointId = crypto.randomUUID()
    await other.runPromise(
      Effect.flatMap(WebhookEndpointStore, (store) =>
        store.create({
          id: endpointId,
          tenantId,
          url: "https://hooks.example.com/in",
          events: ["*"],
          secretEnc: "k1:secret" as EncryptedToken
        })
      )
    )
    // The listening connection opens in the background: store a delivery every 200 ms until one wakes it (the
    // worker's own poll would be an hour here).
    const storing = other.runFork(
      Effect.flatMap(WebhookEndpointStore, (store) =>
        store
          .announceTo(tenantId, endpointId, { tenantId, type: "webhook.test", data: {}, orderingKey: null })
          .pipe(Effect.andThen(Effect.sleep("200 millis")), Effect.forever)
      )
    )
    await listener.runPromise(wakeups.await("1 hour"))
    await Effect.runPromise(Fiber.interrupt(storing))
    const stored = await other.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT count(*)::int AS n FROM webhook_deliveries`)
    )
    expect(stored[0]!["n"]).toBeGreaterThan(0)
  }, 60_000)
})
