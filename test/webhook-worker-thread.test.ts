/**
 * `WEBHOOK_WORKER_THREAD=true` (PostgreSQL only; off by default): `npm start` runs the webhook worker in a thread of its
 * own. A webhook accepted by the HTTP thread is processed by that thread (woken by the intake's NOTIFY) exactly once,
 * its live event reaches PostgreSQL's listeners (the page's subscribers on any instance), its `message.received` is
 * delivered to the tenant's endpoint once (by the main thread's delivery worker, from the outbox the thread wrote), a
 * redelivery of it changes nothing, and SIGTERM stops the thread with the process, exit code 0.
 */
import { createHash, createHmac, randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { pathToFileURL } from "node:url"
import type { Worker } from "node:worker_threads"
import { PgClient } from "@effect/sql-pg"
import { ConfigProvider, Duration, Effect, Layer, Logger, ManagedRuntime, Queue, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { loadAppConfig } from "../src/AppConfig.ts"
import { layerFromKeys } from "../src/adapters/crypto/TokenCipherAesGcm.ts"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { LIVE_CHANNEL } from "../src/adapters/persistence/LiveEventsPg.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { WebhookEndpointStore } from "../src/application/outbound/ports/WebhookEndpointStore.ts"
import { secretBinding } from "../src/application/outbound/WebhookEndpoints.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import { TokenCipher } from "../src/application/ports/TokenCipher.ts"
import { WebhookInbox } from "../src/application/webhooks/ports/WebhookInbox.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../src/domain/Ids.ts"
import { webhookWorkerThread } from "../src/WebhookWorkerThread.ts"
import { randomMetaId } from "./support/Backends.ts"
import { eventually } from "./support/Eventually.ts"
import { activeWhatsAppConnection } from "./support/PersistenceFixtures.ts"
import { buildIfStale, type ServiceProcess, startProcess } from "./support/Service.ts"
import { messagesPayload, sample } from "./support/WebhookHarness.ts"

const serverUrl = process.env["DATABASE_URL"] ?? ""

describe.runIf(serverUrl !== "")("the webhook worker in its own thread (npm start, PostgreSQL)", () => {
  const server = new URL(serverUrl)
  const database = `${server.pathname.slice(1) || "postgres"}_thread_${randomBytes(4).toString("hex")}`
  const databaseUrl = Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString()
  const admin = ManagedRuntime.make(layerServer(Redacted.make(serverUrl), { maxConnections: 1 }).pipe(Layer.orDie))
  const secret = randomBytes(16).toString("hex")
  const key = randomBytes(32)
  let db: ManagedRuntime.ManagedRuntime<
    SqlClient.SqlClient | ConnectionRepository | WebhookEndpointStore | TokenCipher | WebhookInbox,
    never
  >
  const listener = ManagedRuntime.make(layerServer(Redacted.make(databaseUrl), { maxConnections: 1 }).pipe(Layer.orDie))
  let service: ServiceProcess | undefined

  beforeAll(async () => {
    await admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE DATABASE ${database}`)))
    db = ManagedRuntime.make(
      Layer.merge(PersistencePg, layerFromKeys({ active: key, previous: [] })).pipe(
        Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)),
        Layer.provideMerge(layerServer(Redacted.make(databaseUrl), { maxConnections: 2 }).pipe(Layer.orDie))
      )
    )
  }, 60_000)

  afterAll(async () => {
    if (service !== undefined) await service.stop("SIGKILL")
    await listener.dispose()
    await db?.dispose()
    await admin.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
    )
    await admin.dispose()
  })

  it("processes an accepted webhook once, off the HTTP thread, delivers it, and stops with the process", async () => {
    const phone = randomMetaId()
    const tenantId = crypto.randomUUID() as TenantId
    // The tenant's backend: counts the deliveries of each event (by webhook-id).
    const received: Array<{ readonly id: string; readonly type: string }> = []
    const receiver = createServer((request, response) => {
      let text = ""
      request.on("data", (chunk: Buffer) => {
        text += chunk.toString()
      })
      request.on("end", () => {
        received.push({ id: String(request.headers["webhook-id"]), type: String(JSON.parse(text).type) })
        response.writeHead(204).end()
      })
    })
    await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`
    await db.runPromise(
      Effect.gen(function* () {
        const cipher = yield* TokenCipher
        const id = crypto.randomUUID()
        yield* Effect.flatMap(WebhookEndpointStore, (store) =>
          Effect.flatMap(
            cipher.encrypt(
              Redacted.make(`whsec_${randomBytes(24).toString("base64")}`),
              secretBinding({ tenantId, id })
            ),
            (secretEnc) => store.create({ id, tenantId, url: receiverUrl, events: ["message.received"], secretEnc })
          )
        )
      })
    )
    await db.runPromise(activeWhatsAppConnection(tenantId, phone))
    service = await startProcess(
      {
        DATABASE_URL: databaseUrl,
        DATA_DIR: mkdtempSync(join(tmpdir(), "worker-thread-")),
        META_APP_SECRET: secret,
        TOKEN_ENCRYPTION_KEY_BASE64: key.toString("base64"),
        WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
        WEBHOOK_WORKER_THREAD: "true"
      },
      60_000
    )
    const started = service
    for (let attempt = 0; !started.output().includes("Webhook worker: running in its own thread"); attempt++) {
      if (attempt > 300) throw new Error(`the worker thread did not start:\n${started.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }

    const wamid = `wamid.${crypto.randomUUID()}`
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "524126980791429",
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: phone },
                contacts: [{ profile: { name: "Ana" }, wa_id: "14155550001" }],
                messages: [
                  { from: "14155550001", id: wamid, timestamp: "1767225600", type: "text", text: { body: "hi" } }
                ]
              }
            }
          ]
        }
      ]
    })
    const post = () =>
      fetch(`${started.url}/webhooks/meta/whatsapp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`
        },
        body
      })
    const processed = async (count: number) => {
      for (let attempt = 0; attempt < 200; attempt++) {
        const rows = await db.runPromise(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT count(*) FILTER (WHERE state = 'processed')::int AS processed,
                                count(*)::int AS received FROM webhook_events`
          )
        )
        if (Number(rows[0]!["processed"]) === count && Number(rows[0]!["received"]) === count) return
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      throw new Error(`${count} deliveries not processed within 10 s:\n${started.output()}`)
    }
    const logged = (line: string) =>
      eventually(async () => (started.output().includes(line) ? true : undefined), `"${line}" in the output`, 10_000)
    const messages = () =>
      db.runPromise(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql`SELECT count(*)::int AS n FROM messages WHERE provider_message_id = ${wamid}`
        )
      )

    // Listening (PostgreSQL has confirmed the LISTEN) before the webhook is posted: its live event cannot be missed.
    const announced = await listener.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const notifications = yield* Effect.flatMap(PgClient.PgClient, (pg) => pg.listen(LIVE_CHANNEL))
          expect((yield* Effect.promise(post)).status).toBe(200)
          for (;;) {
            const { payload } = yield* Queue.take(notifications)
            const event = JSON.parse(payload) as { readonly type?: string; readonly status?: string }
            if (event.type === "message.received") return event
          }
        }).pipe(Effect.timeout(Duration.seconds(10)))
      )
    )
    expect(announced.status).toBe("received")
    await processed(1)
    expect(Number((await messages())[0]!["n"])).toBe(1)
    // Meta retries a delivery it thinks was lost: the thread stores nothing twice.
    expect((await post()).status).toBe(200)
    await processed(2)
    expect(Number((await messages())[0]!["n"])).toBe(1)
    // The thread logs a batch after its commit, and its lines reach this process through the main thread's stdout:
    // the database can show a batch processed before its line has arrived here.
    await logged("Inbound messages: 1 stored of 1")
    await logged("Inbound messages: 0 stored of 1")
    // The message was announced once (the thread wrote the outbox) and delivered to the endpoint, once: the
    // receiver has answered and the attempt is recorded.
    const deliveries = async () =>
      (
        await db.runPromise(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT status FROM webhook_deliveries WHERE tenant_id = ${tenantId}`
          )
        )
      ).map((row) => String(row["status"]))
    for (let attempt = 0; received.length === 0 || (await deliveries()).includes("pending"); attempt++) {
      if (attempt > 200) throw new Error(`not delivered within 10 s:\n${started.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    expect(await deliveries()).toStrictEqual(["delivered"])
    expect(received.map((r) => r.type)).toStrictEqual(["message.received"])

    // A Graph API call made in the thread (the reinstatement of a banned WABA is checked with its token) is timed
    // there, and shows at the main thread's /metrics: no other job of this service lists a WABA's numbers.
    const graphCalls = async () => {
      const text = await (await fetch(`${started.url}/metrics`)).text()
      const line = text
        .split("\n")
        .find((l) => l.startsWith("meta_api_response_time_seconds_count{") && l.includes("/{waba-id}/phone_numbers"))
      return line === undefined ? 0 : Number(line.split(" ").at(-1))
    }
    expect(await graphCalls()).toBe(0)
    const wabaId = randomMetaId()
    await db.runPromise(
      Effect.gen(function* () {
        const cipher = yield* TokenCipher
        yield* (yield* ConnectionRepository).claimNumber(randomMetaId() as PhoneNumberId, {
          tenantId,
          provider: "meta_whatsapp",
          status: "active",
          wabaId: wabaId as WabaId,
          phoneNumberE164: "+15550109876",
          displayName: "Banned",
          accessTokenEnc: yield* cipher.encrypt(Redacted.make("EAAbanned".padEnd(60, "q")), {
            tenantId,
            provider: "meta_whatsapp"
          }),
          tokenExpiresAt: null,
          scopes: [],
          metadata: {}
        })
      })
    )
    // Meta bans the WABA (the connection moves to error), then reinstates it: checked with Meta in the thread.
    const account = async (name: string) => {
      const payload = sample(name) as { entry: Array<{ id: string; time: number }> }
      payload.entry[0]!.id = wabaId
      payload.entry[0]!.time = Math.floor(Date.now() / 1000) + 1
      const text = JSON.stringify(payload)
      const response = await fetch(`${started.url}/webhooks/meta/whatsapp`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(text).digest("hex")}`
        },
        body: text
      })
      expect(response.status).toBe(200)
    }
    await account("account_update_disabled_update")
    await processed(3)
    await account("account_update_disabled_update_reinstate")
    await processed(4)
    for (let attempt = 0; (await graphCalls()) === 0; attempt++) {
      if (attempt > 100) throw new Error(`the thread's Graph call is not at /metrics:\n${started.output()}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(await graphCalls()).toBeGreaterThanOrEqual(1)

    expect(await started.stop("SIGTERM")).toBe(0)
    service = undefined
    expect(started.output()).not.toContain("ended on its own")
    expect(received).toHaveLength(1)
    await new Promise<void>((done) => receiver.close(() => done()))
  }, 120_000)

  it("a thread that ends unexpectedly is logged and started again, and the new one processes the inbox", async () => {
    buildIfStale()
    const config = await Effect.runPromise(
      loadAppConfig(
        ConfigProvider.fromEnv({
          env: {
            DATABASE_URL: databaseUrl,
            DATA_DIR: mkdtempSync(join(tmpdir(), "worker-thread-restart-")),
            META_APP_SECRET: secret,
            TOKEN_ENCRYPTION_KEY_BASE64: key.toString("base64"),
            WEBHOOK_WORKER_THREAD: "true",
            LOG_LEVEL: "error"
          }
        })
      )
    )
    const threads: Array<Worker> = []
    const logged: Array<string> = []
    const logger = Logger.make(({ message }) => {
      logged.push((Array.isArray(message) ? message : [message]).map(String).join(" "))
    })
    const supervised = ManagedRuntime.make(
      webhookWorkerThread(config, {
        // The built thread, as `npm start` runs it (this process runs TypeScript through vitest, not tsx).
        threadModule: pathToFileURL(join(import.meta.dirname, "../dist/server/webhook-worker.js")),
        onStart: (thread) => threads.push(thread)
      }).pipe(Layer.provide(Logger.layer([logger])))
    )
    try {
      await supervised.runPromise(Effect.void)
      expect(threads).toHaveLength(1)
      // Not asked to stop: to the service, the thread ended on its own (as a crash or an out-of-memory end would).
      await threads[0]!.terminate()
      for (let attempt = 0; threads.length < 2 || !logged.some((l) => l.includes("ended on its own")); attempt++) {
        if (attempt > 100)
          throw new Error(`not started again within 10 s (${threads.length} threads): ${logged.join("\n")}`)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(logged.some((l) => l.includes("Webhook worker thread ended on its own"))).toBe(true)
      // The new thread processes what arrives now.
      const phone = randomMetaId()
      const tenantId = crypto.randomUUID() as TenantId
      await db.runPromise(activeWhatsAppConnection(tenantId, phone))
      const wamid = `wamid.${crypto.randomUUID()}`
      const payload = messagesPayload(phone, {
        contacts: [{ profile: { name: "Ana" }, wa_id: "14155550002" }],
        messages: [{ from: "14155550002", id: wamid, timestamp: "1767225600", type: "text", text: { body: "again" } }]
      })
      const raw = new TextEncoder().encode(JSON.stringify(payload))
      await db.runPromise(
        Effect.flatMap(WebhookInbox, (inbox) =>
          inbox.accept({
            provider: "meta_whatsapp",
            bodySha256: createHash("sha256").update(raw).digest("hex"),
            raw,
            payload,
            receivedAt: new Date()
          })
        )
      )
      for (let attempt = 0; ; attempt++) {
        const rows = await db.runPromise(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql`SELECT count(*)::int AS n FROM messages WHERE provider_message_id = ${wamid}`
          )
        )
        if (Number(rows[0]!["n"]) === 1) break
        if (attempt > 200) throw new Error(`not processed by the new thread within 10 s: ${logged.join("\n")}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      await supervised.dispose()
    }
    // Disposing asked the running thread to stop: it is not reported as an unexpected end.
    expect(logged.filter((l) => l.includes("ended on its own"))).toHaveLength(1)
  }, 60_000)
})
