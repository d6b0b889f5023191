/**
 * The worker is woken by the intake's group commit, not by its poll: with the poll at 30 seconds, an accepted event
 * is processed within a few seconds. On PostgreSQL the delivery is accepted by another client (another
 * instance: its own pool, no in-process wake), so only the NOTIFY sent with the insert can wake the worker; on
 * PGlite the wake-up is in process.
 */
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, describe, expect, it } from "vitest"
import { layerFromKeys } from "../src/adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../src/adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhookDecoder } from "../src/adapters/meta-graph/MetaWebhooks.ts"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { InboxWakeupsMemory } from "../src/adapters/persistence/InboxWakeupsMemory.ts"
import { InboxWakeupsPg } from "../src/adapters/persistence/InboxWakeupsPg.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import { WebhookInbox } from "../src/application/webhooks/ports/WebhookInbox.ts"
import { WebhookProcessor } from "../src/application/webhooks/WebhookProcessor.ts"
import type { EncryptedToken } from "../src/domain/ChannelConnection.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../src/domain/Ids.ts"
import { pgliteInMemory, randomMetaId } from "./support/Backends.ts"

const POLL = "30 seconds"
const url = process.env["DATABASE_URL"]
const runtimes: Array<{ dispose: () => Promise<void> }> = []
afterAll(async () => {
  for (const runtime of runtimes.reverse()) await runtime.dispose()
})

const serviceLayer = (database: Layer.Layer<SqlClient.SqlClient>, wakeups: typeof InboxWakeupsMemory) =>
  WebhookProcessor.worker(POLL).pipe(
    Layer.provideMerge(WebhookProcessor.layer),
    Layer.provideMerge(MetaWebhookDecoder),
    Layer.provideMerge(
      Layer.mergeAll(MetaGraphMemory, layerFromKeys({ active: new Uint8Array(32).fill(6), previous: [] }))
    ),
    Layer.provideMerge(PersistencePg),
    Layer.provideMerge(wakeups),
    Layer.provideMerge(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(database)))
  )

const scenario = async (
  worker: ManagedRuntime.ManagedRuntime<WebhookInbox | ConnectionRepository | SqlClient.SqlClient, never>,
  intake: ManagedRuntime.ManagedRuntime<WebhookInbox, never>
) => {
  const phone = randomMetaId() as PhoneNumberId
  await worker.runPromise(
    Effect.flatMap(ConnectionRepository, (repo) =>
      repo.claimNumber(phone, {
        tenantId: crypto.randomUUID() as TenantId,
        provider: "meta_whatsapp",
        status: "active",
        wabaId: randomMetaId() as WabaId,
        phoneNumberE164: "+15550101234",
        displayName: "Acme",
        accessTokenEnc: null as unknown as EncryptedToken,
        tokenExpiresAt: null,
        scopes: [],
        metadata: {}
      })
    )
  )
  // Let the worker's first drain find nothing and start waiting on its 30-second poll.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const wamid = `wamid.${crypto.randomUUID()}`
  const payload = {
    object: "whatsapp_business_account",
    entry: [
      {
        id: "524126980791429",
        changes: [
          {
            field: "messages",
            value: {
              metadata: { phone_number_id: phone },
              messages: [
                { from: "14155550001", id: wamid, timestamp: "1767225600", type: "text", text: { body: "hi" } }
              ]
            }
          }
        ]
      }
    ]
  }
  const raw = JSON.stringify(payload)
  const started = performance.now()
  await intake.runPromise(
    Effect.flatMap(WebhookInbox, (inbox) =>
      inbox.accept({
        provider: "meta_whatsapp",
        bodySha256: "a".repeat(64),
        raw: new TextEncoder().encode(raw),
        payload,
        receivedAt: new Date()
      })
    )
  )
  for (;;) {
    const rows = await worker.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql`SELECT 1 FROM messages WHERE provider_message_id = ${wamid}`)
    )
    if (rows.length > 0) break
    if (performance.now() - started > 10_000) throw new Error("not processed within 10 s (the poll is 30 s)")
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return performance.now() - started
}

describe("webhook worker wake-up", () => {
  it("pglite: an accepted event is processed well before the poll (in-process wake-up)", async () => {
    const runtime = ManagedRuntime.make(serviceLayer(pgliteInMemory({ migrated: true }), InboxWakeupsMemory))
    runtimes.push(runtime)
    const elapsed = await scenario(runtime, runtime)
    expect(elapsed).toBeLessThan(5000)
  }, 60_000)

  it.runIf(url !== undefined && url !== "")(
    "postgres: an event accepted by another instance wakes this one's worker through LISTEN/NOTIFY",
    async () => {
      const schema = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
      const admin = ManagedRuntime.make(layerServer(Redacted.make(url!), { maxConnections: 1 }))
      await admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE SCHEMA ${schema}`)))
      await admin.dispose()
      const database = () =>
        layerServer(Redacted.make(url!), { searchPath: schema, maxConnections: 4 }).pipe(Layer.orDie)
      const worker = ManagedRuntime.make(serviceLayer(database(), InboxWakeupsPg.pipe(Layer.provide(database()))))
      runtimes.push(worker)
      // The other instance: its own pool and inbox, and no wake-up service (nothing in process reaches the worker).
      const other = ManagedRuntime.make(PersistencePg.pipe(Layer.provide(database())))
      runtimes.push(other)
      const elapsed = await scenario(worker, other)
      expect(elapsed).toBeLessThan(5000)
    },
    60_000
  )
})
