/**
 * Outbound webhooks (issue 19.1–19.5) through the real service, its database and the sandbox Meta, to receivers on
 * 127.0.0.1 (`WEBHOOK_ALLOW_PRIVATE_TARGETS` is on in sandbox mode; one test turns it off): exactly one signed
 * delivery per inbound message that `standardwebhooks` verifies, retries with the same webhook-id, nothing lost
 * across a stop between the message insert and the delivery, private targets refused, replay of a time range,
 * secret rotation overlap.
 */
import { randomBytes } from "node:crypto"
import { createServer, type IncomingHttpHeaders, type Server } from "node:http"
import { Webhook } from "standardwebhooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { type RunningService, type Stack, samePorts, startService, startStack } from "./support/Service.ts"
import { ownDatabase, systemDatabases } from "./support/SystemDatabases.ts"

const databases = await systemDatabases()
const run = randomBytes(4).toString("hex")
const newNumber = { action: "approve", waba: "new", phone: "new" }

interface Received {
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

/** A tenant's backend on 127.0.0.1: answers with `respond(n)` for its n-th request (0-based) and records each. */
const receiver = async (respond: (n: number) => number | "hang" = () => 200) => {
  const received: Array<Received> = []
  const server: Server = createServer((request, response) => {
    let body = ""
    request.on("data", (chunk: Buffer) => {
      body += chunk.toString("utf8")
    })
    request.on("end", () => {
      const answer = respond(received.length)
      received.push({ headers: request.headers, body })
      if (answer === "hang") return
      response.writeHead(answer, { "content-type": "text/plain" })
      response.end(answer === 200 ? "ok thanks" : "receiver down")
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}

const verify = (secret: string, message: Received) =>
  new Webhook(secret).verify(message.body, {
    "webhook-id": String(message.headers["webhook-id"]),
    "webhook-timestamp": String(message.headers["webhook-timestamp"]),
    "webhook-signature": String(message.headers["webhook-signature"])
  }) as { type: string; version: number; id: string; data: Record<string, unknown> }

/** Retries `assertion` every 100 ms until it passes, or throws its last failure after `timeoutMs`. */
const waitFor = async (assertion: () => unknown, timeoutMs = 15_000, what = "the condition") => {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return await assertion()
    } catch (error) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${error}`)
      await new Promise((done) => setTimeout(done, 100))
    }
  }
}

const sleep = (millis: number) => new Promise((done) => setTimeout(done, millis))

for (const database of databases) {
  describe(`outbound webhooks (${database.name})`, () => {
    let stack: Stack
    // Five failures in a row disable an endpoint here (50 by default), and retries start 50 ms after a failure
    // (10 s by default), so the threshold is reached within seconds (50 + 150 + 450 + 1350 ms of backoff).
    const env = {
      LOG_LEVEL: "warn",
      DATABASE_URL: database.url,
      WEBHOOK_DELIVERY_RETRY_BASE_MILLIS: "50",
      WEBHOOK_ENDPOINT_DISABLE_AFTER_FAILURES: "5"
    }
    const http = (service: RunningService = stack.service) => client(service.url)
    const graphql = async (
      token: string,
      query: string,
      variables: Record<string, unknown> = {},
      service?: RunningService
    ) => {
      const response = await http(service).api(token, "POST", "/graphql", { query, variables })
      return (await response.json()) as {
        // biome-ignore lint/suspicious/noExplicitAny: answers of several queries, read by path in assertions
        data?: Record<string, any>
        errors?: Array<{ message: string; extensions: Record<string, unknown> }>
      }
    }
    const ok = async (
      token: string,
      query: string,
      variables: Record<string, unknown> = {},
      service?: RunningService
    ) => {
      const body = await graphql(token, query, variables, service)
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
      return body.data!
    }
    const connect = async (tenant: string) => {
      const { token } = await http().session(`${tenant}-${run}`)
      await http().connect(token, newNumber)
      const view = (await ok(token, "{ whatsappConnection { status phoneNumberId } }"))["whatsappConnection"]
      expect(view.status).toBe("ACTIVE")
      return { token, phoneNumberId: view.phoneNumberId as string }
    }
    const CREATE = `mutation ($input: CreateWebhookEndpointInput!) {
      createWebhookEndpoint(input: $input) { secret endpoint { id url events enabled } } }`
    const create = async (token: string, url: string, events: ReadonlyArray<string>, service?: RunningService) => {
      const result = (await ok(token, CREATE, { input: { url, events } }, service))["createWebhookEndpoint"]
      return { id: result.endpoint.id as string, secret: result.secret as string }
    }
    const deliveries = async (token: string, endpointId: string, extra = "", service?: RunningService) =>
      (
        await ok(
          token,
          `query ($id: ID!) { webhookDeliveries(endpointId: $id${extra}) { id eventId eventType state attempts
             lastStatusCode attemptLog { statusCode durationMs responseExcerpt error } } }`,
          { id: endpointId },
          service
        )
      )["webhookDeliveries"] as Array<{
        id: string
        eventId: string
        eventType: string
        state: string
        attempts: number
        attemptLog: Array<{ statusCode: number | null; responseExcerpt: string | null; error: string | null }>
      }>

    beforeAll(async () => {
      stack = await startStack("outbound", env)
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("an inbound message produces exactly one signed delivery that standardwebhooks verifies", async () => {
      const hooks = await receiver()
      try {
        const { token, phoneNumberId } = await connect("out-one")
        const { id, secret } = await create(token, hooks.url, ["message.received"])
        expect(secret).toMatch(/^whsec_[A-Za-z0-9+/=]{32}$/)
        const listed = (await ok(token, "{ webhookEndpoints { id url events enabled } }"))["webhookEndpoints"]
        expect(listed).toEqual([{ id, url: hooks.url, events: ["message.received"], enabled: true }])
        expect(JSON.stringify(listed)).not.toContain("whsec_")

        const inbound = await stack.control("inbound", { phoneNumberId, from: "14155550123", text: "hello out" })
        expect(inbound["deliveryStatus"]).toBe(200)
        await waitFor(() => expect(hooks.received.length).toBe(1), 15_000, "the delivery")
        await sleep(1500)
        expect(hooks.received.length, "exactly one delivery").toBe(1)
        const event = verify(secret, hooks.received[0]!)
        expect(event.type).toBe("message.received")
        expect(event.version).toBe(1)
        expect(event.id).toBe(hooks.received[0]!.headers["webhook-id"])
        expect(event.data["phoneNumberId"]).toBe(phoneNumberId)
        expect(event.data["body"]).toMatchObject({ text: { body: "hello out" } })
        expect(hooks.received[0]!.body).not.toMatch(/access_token|EAA/)
        // Another secret does not verify it.
        expect(() => verify(`whsec_${randomBytes(24).toString("base64")}`, hooks.received[0]!)).toThrow()

        const log = await deliveries(token, id)
        expect(log).toHaveLength(1)
        expect(log[0]).toMatchObject({ eventType: "message.received", state: "DELIVERED", attempts: 1 })
        expect(log[0]!.attemptLog[0]).toMatchObject({ statusCode: 200, responseExcerpt: "ok thanks", error: null })
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("a receiver failing 3 times then succeeding gets the event again with the same webhook-id", async () => {
      const hooks = await receiver((n) => (n < 3 ? 503 : 200))
      try {
        const { token, phoneNumberId } = await connect("out-retry")
        const { id, secret } = await create(token, hooks.url, ["message.*"])
        await stack.control("inbound", { phoneNumberId, from: "14155550124", text: "retry me" })
        await waitFor(() => expect(hooks.received.length).toBe(4), 20_000, "four attempts")
        const ids = new Set(hooks.received.map((r) => r.headers["webhook-id"]))
        expect(ids.size, "the same webhook-id on every retry").toBe(1)
        for (const message of hooks.received) expect(verify(secret, message).type).toBe("message.received")
        await waitFor(async () => {
          const log = await deliveries(token, id)
          expect(log[0]).toMatchObject({ state: "DELIVERED", attempts: 4 })
          expect(log[0]!.attemptLog.map((a) => a.statusCode)).toEqual([503, 503, 503, 200])
          expect(log[0]!.attemptLog[0]!.responseExcerpt).toBe("receiver down")
        })
        // Filters: by state and by event type.
        expect(await deliveries(token, id, ", state: FAILED")).toEqual([])
        expect(await deliveries(token, id, ', eventType: "message.status"')).toEqual([])
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("an endpoint failing past WEBHOOK_ENDPOINT_DISABLE_AFTER_FAILURES is disabled with its reason", async () => {
      const hooks = await receiver(() => 500)
      try {
        const { token, phoneNumberId } = await connect("out-disable")
        const { id } = await create(token, hooks.url, ["message.received"])
        await stack.control("inbound", { phoneNumberId, from: "14155550126", text: "never arrives" })
        const ENDPOINTS = "{ webhookEndpoints { id enabled disabledReason consecutiveFailures } }"
        await waitFor(
          async () =>
            expect((await ok(token, ENDPOINTS))["webhookEndpoints"]).toEqual([
              { id, enabled: false, disabledReason: "failures", consecutiveFailures: 5 }
            ]),
          25_000,
          "the endpoint disabled after 5 failures"
        )
        expect(hooks.received.length).toBe(5)
        const log = await deliveries(token, id)
        expect(log[0]).toMatchObject({ state: "PENDING", attempts: 5 })
        await sleep(1500)
        expect(hooks.received.length, "a disabled endpoint gets nothing more").toBe(5)
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("a private target is refused when WEBHOOK_ALLOW_PRIVATE_TARGETS is off; plain http too", async () => {
      const strict = await startStack("outbound-strict", { ...env, WEBHOOK_ALLOW_PRIVATE_TARGETS: "false" })
      try {
        const { token } = await client(strict.service.url).session(`out-strict-${run}`)
        for (const [url, reason] of [
          ["https://127.0.0.1/hooks", "127.0.0.1"],
          ["https://10.1.2.3/hooks", "10.1.2.3"],
          ["https://169.254.169.254/latest", "169.254.169.254"],
          ["https://[::1]/hooks", "::1"],
          ["https://[::ffff:127.0.0.1]/hooks", "private"],
          ["https://localhost/hooks", "private"],
          ["http://93.184.215.14/hooks", "https://"]
        ] as const) {
          const body = await graphql(token, CREATE, { input: { url, events: ["message.received"] } }, strict.service)
          expect(body.errors?.[0]?.extensions["code"], url).toBe("WEBHOOK_TARGET_REFUSED")
          expect(body.errors?.[0]?.message, url).toContain(reason)
        }
        expect((await ok(token, "{ webhookEndpoints { id } }", {}, strict.service))["webhookEndpoints"]).toEqual([])
      } finally {
        await strict.service.stop()
      }
    }, 60_000)

    it("only admins manage endpoints", async () => {
      const { token } = await http().session(`out-member-${run}`, "member")
      const body = await graphql(token, CREATE, {
        input: { url: "http://127.0.0.1:9/x", events: ["message.received"] }
      })
      expect(body.errors?.[0]?.extensions["code"]).toBe("FORBIDDEN")
      const listed = await graphql(token, "{ webhookEndpoints { id } }")
      expect(listed.errors?.[0]?.extensions["code"]).toBe("FORBIDDEN")
      const { token: admin } = await http().session(`out-member-${run}`)
      const unknown = await graphql(admin, CREATE, { input: { url: "http://127.0.0.1:9/x", events: ["nope.event"] } })
      expect(unknown.errors?.[0]?.extensions["code"]).toBe("INVALID_WEBHOOK_ENDPOINT")
    })

    it("replay of a time range re-sends those events with their ids; Send test event and Retry now", async () => {
      const hooks = await receiver()
      try {
        const { token, phoneNumberId } = await connect("out-replay")
        const { id, secret } = await create(token, hooks.url, ["message.received"])
        const before = new Date(Date.now() - 1000).toISOString()
        await stack.control("inbound", { phoneNumberId, from: "14155550125", text: "one" })
        await stack.control("inbound", { phoneNumberId, from: "14155550125", text: "two" })
        await waitFor(() => expect(hooks.received.length).toBe(2), 15_000)
        const first = hooks.received.map((r) => r.headers["webhook-id"])
        const after = new Date(Date.now() + 1000).toISOString()
        // A range before anything happened replays nothing.
        const none = await ok(
          token,
          "mutation ($id: ID!, $s: DateTime!, $u: DateTime) { replayWebhookEvents(endpointId: $id, since: $s, until: $u) }",
          {
            id,
            s: new Date(Date.now() - 3_600_000).toISOString(),
            u: new Date(Date.now() - 3_000_000).toISOString()
          }
        )
        expect(none["replayWebhookEvents"]).toBe(0)
        const replayed = await ok(
          token,
          "mutation ($id: ID!, $s: DateTime!, $u: DateTime) { replayWebhookEvents(endpointId: $id, since: $s, until: $u) }",
          {
            id,
            s: before,
            u: after
          }
        )
        expect(replayed["replayWebhookEvents"]).toBe(2)
        await waitFor(() => expect(hooks.received.length).toBe(4), 15_000, "the replayed events")
        expect(
          hooks.received
            .slice(2)
            .map((r) => r.headers["webhook-id"])
            .sort()
        ).toEqual([...first].sort())
        for (const message of hooks.received) verify(secret, message)

        const testId = (await ok(token, "mutation ($id: ID!) { sendWebhookTestEvent(id: $id) }", { id }))[
          "sendWebhookTestEvent"
        ]
        await waitFor(() => expect(hooks.received.length).toBe(5), 15_000, "the test event")
        expect(verify(secret, hooks.received[4]!)).toMatchObject({ type: "webhook.test", id: testId })

        const log = await deliveries(token, id, ', eventType: "webhook.test"')
        expect(log).toHaveLength(1)
        await ok(token, "mutation ($id: ID!) { retryWebhookDelivery(id: $id) }", { id: log[0]!.id })
        await waitFor(() => expect(hooks.received.length).toBe(6), 15_000, "Retry now")
        expect(hooks.received[5]!.headers["webhook-id"]).toBe(testId)
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("REST: /api/webhook-endpoints creates (secret once), lists, tests, logs, disables and deletes", async () => {
      const hooks = await receiver()
      try {
        const { token } = await http().session(`out-rest-${run}`)
        const api = (method: string, path: string, body?: unknown) => http().api(token, method, path, body)
        const created = await api("POST", "/api/webhook-endpoints", { url: hooks.url, events: ["webhook.test"] })
        expect(created.status).toBe(201)
        const { endpoint, secret } = (await created.json()) as { endpoint: { id: string }; secret: string }
        expect(secret).toMatch(/^whsec_/)
        const listed = await (await api("GET", "/api/webhook-endpoints")).text()
        expect(listed).toContain(endpoint.id)
        expect(listed).not.toContain("whsec_")
        expect((await api("POST", `/api/webhook-endpoints/${endpoint.id}/test`)).status).toBe(202)
        await waitFor(() => expect(hooks.received.length).toBe(1))
        verify(secret, hooks.received[0]!)
        await waitFor(async () => {
          const log = (await (
            await api("GET", `/api/webhook-endpoints/${endpoint.id}/deliveries?state=delivered`)
          ).json()) as {
            deliveries: Array<{ eventType: string }>
          }
          expect(log.deliveries.map((d) => d.eventType)).toEqual(["webhook.test"])
        })
        const refused = await api("POST", "/api/webhook-endpoints", { url: "ftp://x", events: ["webhook.test"] })
        expect(refused.status).toBe(422)
        expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("webhook_target_refused")
        const disabled = await api("PATCH", `/api/webhook-endpoints/${endpoint.id}`, { enabled: false })
        expect(((await disabled.json()) as { enabled: boolean; disabledReason: string }).disabledReason).toBe("manual")
        expect((await api("DELETE", `/api/webhook-endpoints/${endpoint.id}`)).status).toBe(200)
        expect((await api("DELETE", `/api/webhook-endpoints/${endpoint.id}`)).status).toBe(404)
        const { token: member } = await http().session(`out-rest-${run}`, "member")
        expect((await http().api(member, "GET", "/api/webhook-endpoints")).status).toBe(403)
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("secret rotation: both secrets sign during the overlap, only the new one after it", async () => {
      const hooks = await receiver()
      try {
        const { token } = await connect("out-rotate")
        const { id, secret: old } = await create(token, hooks.url, ["webhook.test"])
        const rotated = (
          await ok(
            token,
            "mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id, overlapHours: 1) { secret endpoint { previousSecretExpiresAt } } }",
            { id }
          )
        )["rotateWebhookEndpointSecret"]
        expect(rotated.secret).not.toBe(old)
        expect(Date.parse(rotated.endpoint.previousSecretExpiresAt)).toBeGreaterThan(Date.now() + 3_500_000)
        await ok(token, "mutation ($id: ID!) { sendWebhookTestEvent(id: $id) }", { id })
        await waitFor(() => expect(hooks.received.length).toBe(1), 15_000)
        expect(String(hooks.received[0]!.headers["webhook-signature"]).split(" ")).toHaveLength(2)
        verify(old, hooks.received[0]!)
        verify(rotated.secret, hooks.received[0]!)

        const again = (
          await ok(token, "mutation ($id: ID!) { rotateWebhookEndpointSecret(id: $id, overlapHours: 0) { secret } }", {
            id
          })
        )["rotateWebhookEndpointSecret"]
        await ok(token, "mutation ($id: ID!) { sendWebhookTestEvent(id: $id) }", { id })
        await waitFor(() => expect(hooks.received.length).toBe(2), 15_000)
        expect(String(hooks.received[1]!.headers["webhook-signature"]).split(" ")).toHaveLength(1)
        verify(again.secret, hooks.received[1]!)
        expect(() => verify(rotated.secret, hooks.received[1]!)).toThrow()
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("connection transitions are announced: a disconnect sends connection.disconnected", async () => {
      const hooks = await receiver()
      try {
        const { token } = await connect("out-conn")
        // The transitions only: the health checks after connecting announce connection.health_changed besides.
        const { secret } = await create(token, hooks.url, [
          "connection.connected",
          "connection.disconnected",
          "connection.error"
        ])
        const response = await http().api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
        expect(response.status).toBeLessThan(300)
        await waitFor(() => expect(hooks.received.length).toBe(1), 15_000)
        expect(verify(secret, hooks.received[0]!)).toMatchObject({
          type: "connection.disconnected",
          data: { status: "revoked", previousStatus: "active", provider: "meta_whatsapp" }
        })
      } finally {
        await hooks.close()
      }
    }, 60_000)

    it("a stop between the message insert and the delivery loses nothing: after a restart it is delivered", async () => {
      const ports = samePorts()
      // A 3 s send timeout gives the claim an 8 s lease (15 s by default): long enough that the stop below comes
      // while the attempt is in flight, short enough that the restarted worker does not wait long to claim it again.
      // On PostgreSQL a database of its own: this stack's sandbox has its own token key, and the file's stack (still
      // running) would claim the delivery once its lease lapses, fail to decrypt the signing secret and count the
      // failures until the endpoint is disabled, so that the restarted service never delivered it (a flake).
      const serverUrl = process.env["DATABASE_URL"] ?? ""
      const crashEnv = {
        ...env,
        DATABASE_URL: database.url === "" ? "" : await ownDatabase(serverUrl),
        WEBHOOK_DELIVERY_TIMEOUT_SECONDS: "3"
      }
      const own = await ports.start(({ port, sandboxPort }) =>
        startStack("outbound-crash", { ...crashEnv, PORT: String(port), SANDBOX_PORT: String(sandboxPort) })
      )
      // The first attempt never gets an answer: the service stops while it is in flight.
      const hooks = await receiver((n) => (n === 0 ? "hang" : 200))
      let service: RunningService | undefined = own.service
      try {
        const { token } = await client(own.service.url).session(`out-crash-${run}`)
        await client(own.service.url).connect(token, newNumber)
        const phoneNumberId = (await ok(token, "{ whatsappConnection { phoneNumberId } }", {}, own.service))[
          "whatsappConnection"
        ].phoneNumberId as string
        const { id, secret } = await create(token, hooks.url, ["message.received"], own.service)
        await own.control("inbound", { phoneNumberId, from: "14155550126", text: "survive" })
        await waitFor(() => expect(hooks.received.length).toBe(1), 15_000, "the attempt in flight")
        await own.service.stop()
        service = undefined
        service = await ports.start(({ port, sandboxPort }) =>
          startService({ ...crashEnv, DATA_DIR: own.dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort) })
        )
        // The attempt in flight holds its 8 s lease; the restarted worker claims it once that lapses (slower when the
        // machine is busy, hence the margin).
        await waitFor(() => expect(hooks.received.length).toBe(2), 60_000, "delivered after the restart")
        expect(hooks.received[1]!.headers["webhook-id"]).toBe(hooks.received[0]!.headers["webhook-id"])
        expect(verify(secret, hooks.received[1]!).data["body"]).toMatchObject({ text: { body: "survive" } })
        // The receiver has the request before the service has its answer: the state is written just after.
        await waitFor(
          async () => {
            const log = await deliveries(token, id, "", service)
            expect(log).toHaveLength(1)
            expect(log[0]!.state).toBe("DELIVERED")
          },
          15_000,
          "the delivery recorded"
        )
      } finally {
        await hooks.close()
        await service?.stop()
      }
    }, 120_000)
  })
}
