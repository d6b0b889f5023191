/**
 * The WhatsApp connection lifecycle through the real service and the sandbox Meta: one live number per tenant,
 * tenants sharing one WABA, and failures that are ours (app secret, encryption key) rather than the tenant's.
 */
import { randomBytes } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type RunningService, type Stack, samePorts, startService, startStack } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const newNumber = { action: "approve", waba: "new", phone: "new" }

const helpers = (baseUrl: () => string) => {
  const http = () => client(baseUrl())
  const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
    const response = await http().api(token, "POST", "/graphql", { query, variables })
    const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
    if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
    return body.data!
  }
  const connection = async (token: string) =>
    (await graphql(token, "{ whatsappConnection { id status wabaId phoneNumberId error } }"))["whatsappConnection"] as {
      id: string
      status: string
      wabaId: string
      phoneNumberId: string
      error: string | null
    }
  const inboundTexts = async (token: string) => {
    const data = (await graphql(
      token,
      "{ conversations(first: 20) { edges { node { messages(first: 20) { edges { node { direction text } } } } } } }"
    )) as {
      conversations: { edges: Array<{ node: { messages: { edges: Array<{ node: Record<string, string> }> } } }> }
    }
    return data.conversations.edges.flatMap((c) =>
      c.node.messages.edges.filter((m) => m.node["direction"] === "INBOUND").map((m) => m.node["text"])
    )
  }
  const send = (token: string, text: string) =>
    http().api(token, "POST", "/api/integrations/meta/whatsapp/messages", { to: "14155550123", text })
  return { http, graphql, connection, inboundTexts, send }
}

/** PGlite always; PostgreSQL too when DATABASE_URL is set. Tenant names are unique per run (a shared database). */
const databases = await systemDatabases()
const run = randomBytes(4).toString("hex")

for (const database of databases) {
  describe(`WhatsApp lifecycle through the sandbox (${database.name})`, () => {
    let stack: Stack
    const { http, graphql, connection, inboundTexts, send } = helpers(() => stack.service.url)
    const control = (path: string, body?: unknown, method?: string) => stack.control(path, body, method)
    const connected = (location: string) => new URL(location).searchParams.get("whatsapp")

    beforeAll(async () => {
      stack = await startStack("lifecycle", {
        LOG_LEVEL: "warn",
        TOKEN_HEALTH_INTERVAL_SECONDS: "1",
        DATABASE_URL: database.url
      })
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("connecting another number retires the first (unsubscribed, takeable); disconnect retires every number", async () => {
      const { token } = await http().session(`serial-connector-${run}`)
      await http().connect(token, newNumber)
      const first = await connection(token)
      expect(connected((await http().connect(token, newNumber)).location)).toBe("connected")
      const second = await connection(token)
      expect(second.phoneNumberId).not.toBe(first.phoneNumberId)
      expect(second.status).toBe("ACTIVE")

      // The first number's WABA had no other number of ours: Meta stops sending its webhooks.
      const toFirst = await control("inbound", { phoneNumberId: first.phoneNumberId, from: "14155550111", text: "old" })
      expect(toFirst["deliveryStatus"]).toBe("not_subscribed")
      // And another workspace may take it.
      const other = await http().session(`next-owner-${run}`)
      expect(connected((await http().connect(other.token, { action: "approve", waba: first.wabaId })).location)).toBe(
        "connected"
      )
      expect((await connection(other.token)).phoneNumberId).toBe(first.phoneNumberId)

      const disconnected = await http().api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
      expect(await disconnected.json()).toMatchObject({ connected: false, status: "revoked" })
      const toSecond = await control("inbound", { phoneNumberId: second.phoneNumberId, from: "14155550111", text: "x" })
      expect(toSecond["deliveryStatus"]).toBe("not_subscribed")
      expect((await send(token, "after disconnect")).status).toBe(409)
    }, 60_000)

    it("two workspaces on one WABA: disconnecting one leaves the other receiving and sending", async () => {
      const a = await http().session(`shared-waba-a-${run}`)
      await http().connect(a.token, newNumber)
      const held = await connection(a.token)
      const seeded = await control("seed/phone-number", { wabaId: held.wabaId, registered: true })
      const b = await http().session(`shared-waba-b-${run}`)
      // Meta grants B the whole WABA (two numbers): B chooses the one that is not A's.
      await http().connect(b.token, { action: "approve", waba: held.wabaId, phone: String(seeded["id"]) })
      const chosen = (await graphql(
        b.token,
        `mutation($id: String!) { chooseWhatsAppNumber(phoneNumberId: $id) { __typename
        ... on ChooseWhatsAppNumberSuccess { connection { status phoneNumberId } } ... on Error { message } } }`,
        { id: String(seeded["id"]) }
      )) as { chooseWhatsAppNumber: { __typename: string; connection?: { status: string } } }
      expect(chosen.chooseWhatsAppNumber.connection?.status).toBe("ACTIVE")

      await http().api(a.token, "POST", "/api/integrations/meta/whatsapp/disconnect")
      // The contact writes to B's number, which opens the 24-hour window for B's reply.
      const toB = await control("inbound", { phoneNumberId: seeded["id"], from: "14155550123", text: "still here" })
      expect(toB["deliveryStatus"]).toBe(200)
      await eventually(
        async () => ((await inboundTexts(b.token)).includes("still here") ? true : undefined),
        "B's inbound"
      )
      expect((await send(b.token, "B still sends")).status).toBe(201)
      expect((await connection(b.token)).status).toBe("ACTIVE")

      // The last one out unsubscribes the WABA.
      await http().api(b.token, "POST", "/api/integrations/meta/whatsapp/disconnect")
      const after = await control("inbound", { phoneNumberId: seeded["id"], from: "14155550123", text: "gone" })
      expect(after["deliveryStatus"]).toBe("not_subscribed")
    }, 60_000)

    it("a rotated app secret changes no connection: app_credentials_invalid, /readyz degraded, then recovers", async () => {
      const { token } = await http().session(`app-secret-co-${run}`)
      await http().connect(token, newNumber)
      const secrets = JSON.parse(readFileSync(join(stack.dataDir, "sandbox-secrets.json"), "utf8")) as Record<
        string,
        string
      >
      await control("app/rotate-secret", {})
      try {
        const readyz = await eventually(async () => {
          const response = await fetch(`${stack.service.url}/readyz`)
          const body = (await response.json()) as { status: string; degraded: Array<string> }
          return body.degraded.includes("app_credentials_invalid") ? { status: response.status, body } : undefined
        }, "readyz to report the app credentials")
        expect(readyz.status, "still ready: every instance shares the secret").toBe(200)
        expect(readyz.body.status).toBe("degraded")
        const metrics = await (await fetch(`${stack.service.url}/metrics`)).text()
        expect(metrics).toMatch(/^app_credentials_invalid 1$/m)
        expect((await connection(token)).status).toBe("ACTIVE")
      } finally {
        await control("app/rotate-secret", { secret: secrets["META_APP_SECRET"] })
      }
      await eventually(async () => {
        const body = (await (await fetch(`${stack.service.url}/readyz`)).json()) as { status: string }
        return body.status === "ready" ? true : undefined
      }, "readyz to recover")
      expect((await connection(token)).status).toBe("ACTIVE")
    }, 60_000)
  })

  describe(`a wrong TOKEN_ENCRYPTION_KEY_BASE64 is our fault, not the tenants' (${database.name})`, () => {
    let service: RunningService | undefined
    const { http, graphql, connection, send } = helpers(() => service!.url)
    afterAll(async () => {
      await service?.stop()
    })

    it("restarted with another key: connections keep their state and sends answer token_unreadable", async () => {
      const { mkdtempSync } = await import("node:fs")
      const { tmpdir } = await import("node:os")
      const dataDir = mkdtempSync(join(tmpdir(), "wrong-key-"))
      const ports = samePorts()
      const keyA = randomBytes(32).toString("base64")
      const boot = async (key: string) => {
        service = await ports.start(({ port, sandboxPort }) =>
          startService({
            DATA_DIR: dataDir,
            PORT: String(port),
            SANDBOX_PORT: String(sandboxPort),
            LOG_LEVEL: "warn",
            TOKEN_HEALTH_INTERVAL_SECONDS: "1",
            TOKEN_ENCRYPTION_KEY_BASE64: key,
            DATABASE_URL: database.url
          })
        )
        await eventually(
          async () => ((await fetch(`${service!.url}/readyz`)).status === 200 ? true : undefined),
          "ready"
        )
      }
      await boot(keyA)
      const { token } = await http().session(`wrong-key-co-${run}`)
      await http().connect(token, newNumber)
      // The contact wrote: only the key decides whether the replies below go out.
      const sandboxControl = async (path: string, body?: unknown) =>
        (await (
          await fetch(`http://127.0.0.1:${ports.sandboxPort()}/_sandbox/${path}`, {
            method: "POST",
            body: JSON.stringify(body)
          })
        ).json()) as Record<string, unknown>
      await contactWrites(sandboxControl, (q) => graphql(token, q), "14155550123")
      expect((await connection(token)).status).toBe("ACTIVE")
      await service!.stop()

      await boot(randomBytes(32).toString("base64"))
      // The health job has met the undecryptable token (and left the connection alone).
      await eventually(async () => {
        const metrics = await (await fetch(`${service!.url}/metrics`)).text()
        return /^token_decrypt_failures_total\{source="health_check"\} [1-9]/m.test(metrics) ? true : undefined
      }, "the health job to meet the undecryptable token")
      const view = await connection(token)
      expect(view.status).toBe("ACTIVE")
      expect(view.error).toBeNull()
      const refused = await send(token, "with the wrong key")
      expect(refused.status).toBe(503)
      expect(await refused.json()).toMatchObject({ error: { code: "token_unreadable" } })
      const typed = (await graphql(
        token,
        `mutation { sendWhatsAppText(input: { to: "14155550123", text: "typed" }) { __typename ... on Error { message } } }`
      )) as { sendWhatsAppText: { __typename: string; message: string } }
      expect(typed.sendWhatsAppText.__typename).toBe("TokenUnreadableError")
      expect(typed.sendWhatsAppText.message).toMatch(/configuration fault on our side/)
      expect(service!.output()).not.toMatch(/EAA[A-Za-z0-9]{20,}/)
      await service!.stop()

      // Key A again: the token decrypts and the send reaches Meta (the restarted sandbox kept the token it issued,
      // DATA_DIR/sandbox-state.json).
      await boot(keyA)
      const again = await send(token, "with the right key")
      expect(again.status).toBe(201)
    }, 120_000)
  })
}
