/**
 * Several instances on one PostgreSQL (and one Redis when the machine runs it), issue 18.7: three services started
 * at once in this process, over one database, in front of one Meta (the sandbox behind a proxy that counts and
 * times every Graph call). Webhooks accepted by any instance are processed exactly once; their tenant-webhook
 * deliveries, claimed by every instance's delivery worker, reach the receiver once each; the per-tenant limits are
 * shared through Redis; the health and token jobs never run for one connection twice at once (JobLeases).
 * Needs the PostgreSQL server of DATABASE_URL (each run creates a database of its own and drops it).
 */
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { createServer, type Server } from "node:http"
import { createConnection } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { SignJWT } from "jose"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startSandbox } from "../sandbox/Sandbox.ts"
import { layerFromKeys } from "../src/adapters/crypto/TokenCipherAesGcm.ts"
import { layerServer } from "../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import type { AccessToken } from "../src/application/ports/MetaGraph.ts"
import { TokenCipher } from "../src/application/ports/TokenCipher.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../src/domain/Ids.ts"
import { randomMetaId } from "./support/Backends.ts"
import { eventually } from "./support/Eventually.ts"
import { onFreePorts, type RunningService, startService } from "./support/Service.ts"
import { messagesPayload, metaJson, sign, textMessage } from "./support/WebhookHarness.ts"

const serverUrl = process.env["DATABASE_URL"] ?? ""
const server = new URL(serverUrl === "" ? "postgres://127.0.0.1/postgres" : serverUrl)
const INSTANCES = 3
const CONNECTIONS = 4
/** Each Graph call is held this long by the proxy, so that runs that would overlap do. */
const META_DELAY_MS = 300

const redisAnswers = () =>
  new Promise<boolean>((done) => {
    const socket = createConnection({ host: "127.0.0.1", port: 6379 }, () => socket.write("PING\r\n"))
    socket.once("data", (data) => {
      done(data.toString().startsWith("+PONG"))
      socket.destroy()
    })
    socket.once("error", () => done(false))
    socket.setTimeout(1000, () => {
      done(false)
      socket.destroy()
    })
  })

interface GraphCall {
  readonly method: string
  readonly path: string
  readonly token: string
  readonly start: number
  end: number
}

/** The most calls of one kind for one token in flight at one moment. */
const mostAtOnce = (calls: ReadonlyArray<GraphCall>): number => {
  let most = 0
  for (const call of calls) most = Math.max(most, calls.filter((o) => o.start < call.end && call.start < o.end).length)
  return most
}

describe.runIf(serverUrl !== "")("several instances on one PostgreSQL", () => {
  const run = randomBytes(4).toString("hex")
  const database = `${server.pathname.slice(1) || "postgres"}_instances_${run}`
  const databaseUrl = Object.assign(new URL(server), { pathname: `/${database}` }).toString()
  const admin = ManagedRuntime.make(layerServer(Redacted.make(serverUrl), { maxConnections: 1 }).pipe(Layer.orDie))
  const secrets = {
    META_APP_ID: `1${Math.floor(Math.random() * 1e13)}`,
    META_APP_SECRET: randomBytes(16).toString("hex"),
    META_WEBHOOK_VERIFY_TOKEN: randomBytes(8).toString("hex"),
    TOKEN_ENCRYPTION_KEY_BASE64: randomBytes(32).toString("base64"),
    AUTH_JWT_SECRET: randomBytes(32).toString("hex")
  }
  let db: ManagedRuntime.ManagedRuntime<SqlClient.SqlClient | ConnectionRepository | TokenCipher, never>
  let sandbox: Awaited<ReturnType<typeof startSandbox>>
  let proxy: Server
  const calls: Array<GraphCall> = []
  const services: Array<RunningService> = []
  let redis = false
  const seeded: Array<{ tenantId: string; phoneNumberId: string; token: string }> = []

  beforeAll(async () => {
    redis = await redisAnswers()
    await admin.runPromise(Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`CREATE DATABASE ${database}`)))
    db = ManagedRuntime.make(
      Layer.mergeAll(
        PersistencePg,
        layerFromKeys({ active: Buffer.from(secrets.TOKEN_ENCRYPTION_KEY_BASE64, "base64"), previous: [] })
      ).pipe(
        Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)),
        Layer.provideMerge(layerServer(Redacted.make(databaseUrl), { maxConnections: 4 }).pipe(Layer.orDie))
      )
    )
    // The connections exist before the instances start: their first health round races for the first one.
    for (let i = 0; i < CONNECTIONS; i++) {
      const tenantId = crypto.randomUUID()
      const phoneNumberId = randomMetaId()
      const token = `EAAinstances${run}${i}`
      await db.runPromise(
        Effect.gen(function* () {
          const cipher = yield* TokenCipher
          const repo = yield* ConnectionRepository
          yield* repo.claimNumber(phoneNumberId as PhoneNumberId, {
            tenantId: tenantId as TenantId,
            provider: "meta_whatsapp",
            status: "active",
            wabaId: randomMetaId() as WabaId,
            phoneNumberE164: "+15550001111",
            displayName: `Shop ${i}`,
            accessTokenEnc: yield* cipher.encrypt(Redacted.make(token) as AccessToken, {
              tenantId: tenantId as TenantId,
              provider: "meta_whatsapp"
            }),
            tokenExpiresAt: null,
            scopes: [],
            metadata: {}
          })
        })
      )
      seeded.push({ tenantId, phoneNumberId, token })
    }
    sandbox = await startSandbox({
      app: { id: secrets.META_APP_ID, secret: secrets.META_APP_SECRET, redirectUris: [], configId: "instances" },
      quiet: true
    })
    // One Meta for every instance: each Graph call is recorded (which token, when) and held META_DELAY_MS.
    proxy = createServer((request, response) => {
      const url = new URL(request.url ?? "/", "http://proxy")
      const token =
        url.searchParams.get("input_token") ??
        (request.headers.authorization ?? "").replace(/^Bearer /, "") ??
        url.searchParams.get("access_token") ??
        ""
      const call: GraphCall = { method: request.method ?? "GET", path: url.pathname, token, start: Date.now(), end: 0 }
      calls.push(call)
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        setTimeout(async () => {
          const headers = Object.fromEntries(
            Object.entries(request.headers).filter(([name]) => !["host", "connection", "content-length"].includes(name))
          ) as Record<string, string>
          const answer = await fetch(`${sandbox.url}${request.url}`, {
            method: call.method,
            headers,
            ...(chunks.length === 0 ? {} : { body: Buffer.concat(chunks) })
          })
          const body = Buffer.from(await answer.arrayBuffer())
          call.end = Date.now()
          response.writeHead(answer.status, {
            "content-type": answer.headers.get("content-type") ?? "application/json"
          })
          response.end(body)
        }, META_DELAY_MS)
      })
    })
    await new Promise<void>((done) => proxy.listen(0, "127.0.0.1", done))
    const address = proxy.address()
    const proxyUrl = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}`
    // Started at once, as a deployment's replicas are (each on other ports if one it was given is taken meanwhile).
    services.push(
      ...(await Promise.all(
        Array.from({ length: INSTANCES }, () =>
          onFreePorts(({ port }) =>
            startService({
              ...secrets,
              PORT: String(port),
              APP_BASE_URL: `http://127.0.0.1:${port}`,
              META_CONFIG_ID: "instances",
              META_REDIRECT_URI: `http://127.0.0.1:${port}/api/integrations/meta/whatsapp/callback`,
              META_ADS_ENABLED: "false",
              META_GRAPH_BASE_URL: proxyUrl,
              DATA_DIR: mkdtempSync(join(tmpdir(), "instances-")),
              DATABASE_URL: databaseUrl,
              LOG_LEVEL: "warn",
              // The tenant-webhook test's receiver is on 127.0.0.1.
              WEBHOOK_ALLOW_PRIVATE_TARGETS: "true",
              TOKEN_HEALTH_INTERVAL_SECONDS: "2",
              CONNECTION_HEALTH_INTERVAL_SECONDS: "60",
              ...(redis ? { REDIS_URL: "redis://127.0.0.1:6379" } : {})
            })
          )
        )
      ))
    )
    // Listening is not ready: each answers 503 (the startup gate) until its database work is done, and a test run
    // alone (`-t`) would start sending at once.
    await Promise.all(
      services.map((service) =>
        eventually(
          async () => ((await fetch(`${service.url}/readyz`)).status === 200 ? true : undefined),
          `${service.url} ready`,
          60_000
        )
      )
    )
  }, 120_000)

  afterAll(async () => {
    await Promise.all(services.map((service) => service.stop()))
    await new Promise<void>((done) => (proxy === undefined ? done() : proxy.close(() => done())))
    await sandbox?.close()
    await db?.dispose()
    await admin.runPromise(
      Effect.flatMap(SqlClient.SqlClient, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`))
    )
    await admin.dispose()
  }, 60_000)

  it("the health and token jobs of three instances never run for one connection twice at once", async () => {
    // Watched for at least 7.5 s (three token rounds, every 2 s: the time a second check at once would need to show)
    // and until the first health round has checked a number and the token job has made two rounds' worth of checks,
    // which a quiet machine reaches within that time and a loaded one later.
    const since = Date.now()
    const answered = () => calls.filter((call) => call.end > 0)
    const checkedNumbers = (seen: ReadonlyArray<GraphCall>) =>
      seen.filter((call) => seeded.some((c) => call.path.endsWith(`/${c.phoneNumberId}`)))
    const seen = await eventually(
      async () => {
        const now = answered()
        const debug = now.filter((call) => call.path.endsWith("/debug_token"))
        return Date.now() - since >= 7_500 && checkedNumbers(now).length >= 1 && debug.length >= 2 * CONNECTIONS
          ? now
          : undefined
      },
      "a health check and two token rounds",
      20_000
    )
    const debugCalls = seen.filter((call) => call.path.endsWith("/debug_token"))
    for (const { token, phoneNumberId } of seeded) {
      const debug = debugCalls.filter((call) => call.token === token)
      expect(mostAtOnce(debug), `debug_token of one connection at once: ${JSON.stringify(debug)}`).toBeLessThanOrEqual(
        1
      )
      // The health job reads the number: one instance checks a connection, once per interval.
      const number = seen.filter((call) => call.method === "GET" && call.path.endsWith(`/${phoneNumberId}`))
      expect(number.length, `health checks of ${phoneNumberId}`).toBeLessThanOrEqual(1)
    }
    // The first due connection was checked, by one of the three (the others skipped it: at most once above). The job
    // spreads the four connections over its 60 s interval (one every 15 s): a wait that lasted that long on a loaded
    // machine may see the second too, each once.
    expect(
      checkedNumbers(seen).length,
      JSON.stringify(seen.map((call) => `${call.method} ${call.path}`))
    ).toBeGreaterThanOrEqual(1)
  }, 30_000)

  it("webhooks accepted by any instance are processed exactly once", async () => {
    const sent: Array<string> = []
    const responses = await Promise.all(
      Array.from({ length: 90 }, async (_, i) => {
        const target = seeded[i % CONNECTIONS]!
        const wamid = `wamid.instances.${run}.${i}`
        sent.push(wamid)
        const body = metaJson(
          messagesPayload(target.phoneNumberId, { messages: [textMessage(wamid, "15551230000", `hello ${i}`)] })
        )
        const response = await fetch(`${services[i % INSTANCES]!.url}/webhooks/meta/whatsapp`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-hub-signature-256": sign(body, secrets.META_APP_SECRET)
          },
          body
        })
        return response.status
      })
    )
    expect(responses.every((status) => status === 200)).toBe(true)
    const states = await eventually(
      async () => {
        const rows = await db.runPromise(
          Effect.flatMap(
            SqlClient.SqlClient,
            (sql) => sql<{ state: string; attempts: number; n: number }>`
            SELECT state, attempts, count(*)::int AS n FROM webhook_events GROUP BY state, attempts`
          )
        )
        return rows.length === 1 && rows[0]!.state === "processed" && rows[0]!.n === 90 ? rows : undefined
      },
      "every webhook processed",
      30_000
    )
    // Each event was claimed once (one attempt) by one of the three workers.
    expect(states).toEqual([{ state: "processed", attempts: 1, n: 90 }])
    const messages = await db.runPromise(
      Effect.flatMap(
        SqlClient.SqlClient,
        (sql) => sql<{ provider_message_id: string; n: number }>`
          SELECT provider_message_id, count(*)::int AS n FROM messages GROUP BY provider_message_id`
      )
    )
    expect(messages.map((row) => row.provider_message_id).sort()).toEqual([...sent].sort())
    expect(messages.every((row) => row.n === 1)).toBe(true)
  }, 60_000)

  it("tenant-webhook deliveries claimed by three instances' workers reach the receiver once each", async () => {
    const target = seeded[0]!
    // The receiver holds each answer a little, so that the instances' claims overlap while sends are out.
    const received: Array<{ readonly webhookId: string; readonly providerMessageId: string }> = []
    const receiver = createServer((request, response) => {
      const chunks: Array<Buffer> = []
      request.on("data", (chunk: Buffer) => chunks.push(chunk))
      request.on("end", () => {
        const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          readonly data: { readonly providerMessageId: string }
        }
        received.push({
          webhookId: String(request.headers["webhook-id"]),
          providerMessageId: event.data.providerMessageId
        })
        setTimeout(() => response.writeHead(200).end("ok"), 20)
      })
    })
    await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
    try {
      const address = receiver.address()
      const url = `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/hooks`
      const token = await new SignJWT({ tenant_id: target.tenantId, role: "admin" })
        .setProtectedHeader({ alg: "HS256", typ: "JWT" })
        .setSubject(`admin-${run}`)
        .setIssuedAt()
        .setExpirationTime("10 minutes")
        .sign(new TextEncoder().encode(secrets.AUTH_JWT_SECRET))
      const created = await fetch(`${services[1]!.url}/graphql`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          query: `mutation ($input: CreateWebhookEndpointInput!) {
            createWebhookEndpoint(input: $input) { endpoint { id } } }`,
          variables: { input: { url, events: ["message.received"] } }
        })
      }).then((response) => response.json() as Promise<{ data?: unknown; errors?: unknown }>)
      expect(created.errors, JSON.stringify(created.errors)).toBeUndefined()

      const sent = Array.from({ length: 60 }, (_, i) => `wamid.deliveries.${run}.${i}`)
      const statuses = await Promise.all(
        sent.map(async (wamid, i) => {
          const body = metaJson(
            messagesPayload(target.phoneNumberId, { messages: [textMessage(wamid, "15551230001", `out ${i}`)] })
          )
          const response = await fetch(`${services[i % INSTANCES]!.url}/webhooks/meta/whatsapp`, {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": sign(body, secrets.META_APP_SECRET) },
            body
          })
          await response.arrayBuffer()
          return response.status
        })
      )
      expect(statuses.filter((status) => status !== 200)).toEqual([])
      await eventually(
        async () => {
          const [row] = await db.runPromise(
            Effect.flatMap(
              SqlClient.SqlClient,
              (sql) => sql<{ pending: number; delivered: number }>`
                SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                       count(*) FILTER (WHERE status = 'delivered')::int AS delivered
                FROM webhook_deliveries WHERE tenant_id = ${target.tenantId}`
            )
          )
          return row !== undefined && row.pending === 0 && row.delivered === sent.length ? row : undefined
        },
        "every delivery delivered",
        30_000
      )
      // One more poll interval of every worker, for a duplicate that would still be on its way.
      await new Promise((done) => setTimeout(done, 1_000))
      expect(received.map((r) => r.providerMessageId).sort()).toEqual([...sent].sort())
      expect(new Set(received.map((r) => r.webhookId)).size).toBe(sent.length)
      const [attempts] = await db.runPromise(
        Effect.flatMap(
          SqlClient.SqlClient,
          (sql) => sql<{ n: number }>`
            SELECT count(*)::int AS n FROM webhook_delivery_attempts a
            JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.tenant_id = ${target.tenantId}`
        )
      )
      expect(attempts!.n, "one attempt per delivery").toBe(sent.length)
    } finally {
      await new Promise<void>((done) => receiver.close(() => done()))
    }
  }, 60_000)

  it("the per-tenant limits are shared by the instances through Redis (each counts alone without it)", async () => {
    const tenantId = crypto.randomUUID()
    const token = await new SignJWT({ tenant_id: tenantId, role: "admin" })
      .setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setSubject(`user-${run}`)
      .setIssuedAt()
      .setExpirationTime("10 minutes")
      .sign(new TextEncoder().encode(secrets.AUTH_JWT_SECRET))
    // `whatsapp.start` allows 20 a minute per tenant; 21 starts, spread over the instances. The limiter's counter
    // lives window / limit (3 s) longer with each start it counts: one after the other, a first answer slower than
    // that (a loaded machine) would let the counter lapse before the second. The twenty go at once, the 21st after.
    const start = async (i: number) => {
      const response = await fetch(`${services[i % INSTANCES]!.url}/api/integrations/meta/whatsapp/start`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: "{}"
      })
      await response.arrayBuffer()
      return response.status
    }
    const statuses = await Promise.all(Array.from({ length: 20 }, (_, i) => start(i)))
    statuses.push(await start(20))
    expect(
      statuses.slice(0, 20).every((status) => status === 200),
      JSON.stringify(statuses)
    ).toBe(true)
    expect(statuses[20], redis ? "shared: the 21st is refused" : "no Redis: each instance counts its own 7").toBe(
      redis ? 429 : 200
    )
  }, 30_000)
})
