/**
 * Live updates for the page (issue 19.6) through the real service: GraphQL subscriptions over server-sent events
 * (`conversationEvents`, `connectionChanged`), tenant-scoped, fed by the outbox's commit; and, on one PostgreSQL,
 * an event processed on instance A reaching a subscriber on instance B (LISTEN/NOTIFY).
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"
import { ownDatabase } from "./support/SystemDatabases.ts"

const run = randomBytes(4).toString("hex")
const newNumber = { action: "approve", waba: "new", phone: "new" }

// biome-ignore lint/suspicious/noExplicitAny: subscription payloads, read by path in assertions
type Payload = Record<string, any>

/**
 * A subscription over SSE (yoga's "distinct connections" mode): POST with `Accept: text/event-stream`, the body read
 * as it streams. Resolves once the response has started (the subscription is registered by then).
 */
const subscribe = async (service: RunningService, token: string, query: string) => {
  const abort = new AbortController()
  const response = await fetch(`${service.url}/graphql`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "text/event-stream" },
    body: JSON.stringify({ query }),
    signal: abort.signal
  })
  const events: Array<Payload> = []
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ""
  const reading = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read()
        if (done) return
        buffer += value
        let end = buffer.indexOf("\n\n")
        while (end >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = block
            .split("\n")
            .filter((line) => line.startsWith("data:"))
            .map((line) => line.slice(5).trim())
            .join("\n")
          if (data !== "" && block.includes("event: next")) events.push(JSON.parse(data) as Payload)
          end = buffer.indexOf("\n\n")
        }
      }
    } catch {
      // aborted
    }
  })()
  return {
    status: response.status,
    contentType: response.headers.get("content-type"),
    events,
    close: async () => {
      abort.abort()
      await reading
    }
  }
}

const waitFor = async <A>(assertion: () => A, timeoutMs = 10_000): Promise<Awaited<A>> => {
  const until = Date.now() + timeoutMs
  for (;;) {
    try {
      return await assertion()
    } catch (error) {
      if (Date.now() > until) throw error
      await new Promise((done) => setTimeout(done, 50))
    }
  }
}

const CONVERSATION_EVENTS = "subscription { conversationEvents { kind conversationId messageId status messageType } }"
const CONNECTION_CHANGED = "subscription { connectionChanged { connectionId provider status } }"

const setUp = (stack: () => Stack) => {
  const http = (service: RunningService = stack().service) => client(service.url)
  const graphql = async (token: string, query: string, service?: RunningService) => {
    const response = await http(service).api(token, "POST", "/graphql", { query })
    const body = (await response.json()) as { data?: Payload; errors?: unknown }
    if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
    return body.data!
  }
  const connect = async (tenant: string) => {
    const { token } = await http().session(`${tenant}-${run}`)
    await http().connect(token, newNumber)
    const view = (await graphql(token, "{ whatsappConnection { id status phoneNumberId } }"))["whatsappConnection"]
    expect(view.status).toBe("ACTIVE")
    return { token, phoneNumberId: view.phoneNumberId as string, connectionId: view.id as string }
  }
  return { http, graphql, connect }
}

describe("live updates over server-sent events (embedded PGlite, in process)", () => {
  let stack: Stack
  const { http, graphql, connect } = setUp(() => stack)
  beforeAll(async () => {
    stack = await startStack("live", { LOG_LEVEL: "warn" })
  }, 60_000)
  afterAll(async () => {
    await stack?.service.stop()
  })

  it("an inbound message and its conversation reach the tenant's subscriber, and nobody else's", async () => {
    const a = await connect("live-a")
    const b = await connect("live-b")
    const mine = await subscribe(stack.service, a.token, CONVERSATION_EVENTS)
    const theirs = await subscribe(stack.service, b.token, CONVERSATION_EVENTS)
    expect(mine.status).toBe(200)
    expect(mine.contentType).toContain("text/event-stream")
    try {
      const inbound = await stack.control("inbound", {
        phoneNumberId: a.phoneNumberId,
        from: "14155550140",
        text: "hi live"
      })
      expect(inbound["deliveryStatus"]).toBe(200)
      const event = await waitFor(() => {
        expect(mine.events).toHaveLength(1)
        return mine.events[0]!["data"]["conversationEvents"]
      })
      expect(event).toMatchObject({ kind: "MESSAGE_RECEIVED", status: "RECEIVED", messageType: "text" })
      // The ids are the stored conversation's and message's: the page refetches by them.
      const conversations = await graphql(
        a.token,
        "{ conversations(first: 5) { edges { node { id messages(first: 5) { edges { node { id text } } } } } } }"
      )
      const node = conversations["conversations"]["edges"][0]["node"]
      expect(event.conversationId).toBe(node.id)
      expect(event.messageId).toBe(node.messages.edges[0].node.id)
      // Tenant B's subscriber heard nothing of it (its stream is open: a B message arrives on it).
      await stack.control("inbound", { phoneNumberId: b.phoneNumberId, from: "14155550141", text: "b's own" })
      await waitFor(() => expect(theirs.events).toHaveLength(1))
      expect(theirs.events[0]!["data"]["conversationEvents"]["conversationId"]).not.toBe(event.conversationId)
      expect(mine.events).toHaveLength(1)
    } finally {
      await mine.close()
      await theirs.close()
    }
  })

  it("a sent message's statuses move on the stream as the sandbox reports them (sent, delivered, read)", async () => {
    const a = await connect("live-status")
    const live = await subscribe(stack.service, a.token, CONVERSATION_EVENTS)
    try {
      // The customer writes first: free text goes out only inside the 24-hour customer service window.
      await stack.control("inbound", { phoneNumberId: a.phoneNumberId, from: "14155550142", text: "hello" })
      await waitFor(() => expect(live.events).toHaveLength(1))
      const sent = await graphql(
        a.token,
        `mutation { sendWhatsAppText(input: { to: "14155550142", text: "status me" }) {
           __typename ... on SendWhatsAppTextSuccess { message { id } } } }`
      )
      const messageId = sent["sendWhatsAppText"]["message"]["id"] as string
      expect(sent["sendWhatsAppText"]["__typename"]).toBe("SendWhatsAppTextSuccess")
      const statuses = () =>
        live.events.map((e) => e["data"]["conversationEvents"]).filter((e) => e.kind === "MESSAGE_STATUS")
      await waitFor(() => expect(statuses().map((e) => e.status)).toEqual(["SENT", "DELIVERED", "READ"]))
      for (const event of statuses()) expect(event).toMatchObject({ messageId, messageType: "text" })
      expect(new Set(statuses().map((e) => e.conversationId)).size).toBe(1)
    } finally {
      await live.close()
    }
  })

  it("connectionChanged announces a disconnect to the tenant's subscriber only", async () => {
    const a = await connect("live-conn-a")
    const b = await connect("live-conn-b")
    const mine = await subscribe(stack.service, a.token, CONNECTION_CHANGED)
    const theirs = await subscribe(stack.service, b.token, CONNECTION_CHANGED)
    try {
      const disconnected = await http().api(a.token, "POST", "/api/integrations/meta/whatsapp/disconnect")
      expect(disconnected.status).toBe(200)
      // Status moves only: the checks forked by the connect may also announce a health move (status null).
      const moves = () => mine.events.filter((e) => e["data"]["connectionChanged"].status !== null)
      await waitFor(() => expect(moves()).toHaveLength(1))
      expect(moves()[0]!["data"]["connectionChanged"]).toEqual({
        connectionId: a.connectionId,
        provider: "WHATSAPP",
        status: "REVOKED"
      })
      await new Promise((done) => setTimeout(done, 300))
      // The other tenant hears of its own connection only (its connect's checks may move its health).
      expect(
        theirs.events.map((e) => e["data"]["connectionChanged"].connectionId).filter((id) => id !== b.connectionId)
      ).toEqual([])
    } finally {
      await mine.close()
      await theirs.close()
    }
  })

  it("connectionChanged announces a health check that moves the overall health, with no status (not on a same result)", async () => {
    const a = await connect("live-health")
    const checkNow = async () =>
      (await graphql(a.token, "mutation { checkWhatsAppConnection { status health { overall } } }"))[
        "checkWhatsAppConnection"
      ].health.overall as string
    // The checks after the connect settle first: a check now with the same outcome moves nothing.
    const settled = await checkNow()
    const mine = await subscribe(stack.service, a.token, CONNECTION_CHANGED)
    try {
      expect(await checkNow()).toBe(settled)
      const waba = (await graphql(a.token, "{ whatsappConnection { wabaId } }"))["whatsappConnection"].wabaId
      await stack.control(`wabas/${waba}/subscribed-apps`, { subscribed: false })
      expect(await checkNow()).toBe("FAILING")
      await waitFor(() => expect(mine.events).toHaveLength(1))
      expect(mine.events[0]!["data"]["connectionChanged"]).toEqual({
        connectionId: a.connectionId,
        provider: null,
        status: null
      })
      await stack.control(`wabas/${waba}/subscribed-apps`, { subscribed: true })
    } finally {
      await mine.close()
    }
  })

  it("a subscription without a token is refused like a query (401)", async () => {
    const response = await fetch(`${stack.service.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "text/event-stream" },
      body: JSON.stringify({ query: CONNECTION_CHANGED })
    })
    expect(response.status).toBe(401)
  })
})

const serverUrl = process.env["DATABASE_URL"]
describe.runIf(serverUrl)("live updates across instances (one PostgreSQL, LISTEN/NOTIFY)", () => {
  let first: Stack
  let second: Stack
  beforeAll(async () => {
    // Both instances on one database of this file's own (test/support/SystemDatabases.ts says why not the server's).
    const databaseUrl = await ownDatabase(serverUrl!)
    first = await startStack("live-a", { LOG_LEVEL: "warn", DATABASE_URL: databaseUrl })
    second = await startStack("live-b", { LOG_LEVEL: "warn", DATABASE_URL: databaseUrl })
  }, 90_000)
  afterAll(async () => {
    await Promise.all([first?.service.stop(), second?.service.stop()])
  })

  it("an inbound webhook processed on instance A reaches a subscriber on instance B", async () => {
    const { connect } = setUp(() => first)
    const a = await connect("live-multi")
    const { token } = await client(second.service.url).session(`live-multi-${run}`)
    const onB = await subscribe(second.service, token, CONVERSATION_EVENTS)
    try {
      // Instance A's sandbox sends the webhook to instance A, which stores it and commits the outbox row.
      const inbound = await first.control("inbound", {
        phoneNumberId: a.phoneNumberId,
        from: "14155550143",
        text: "across"
      })
      expect(inbound["deliveryStatus"]).toBe(200)
      await waitFor(() => expect(onB.events).toHaveLength(1))
      expect(onB.events[0]!["data"]["conversationEvents"]).toMatchObject({
        kind: "MESSAGE_RECEIVED",
        status: "RECEIVED"
      })
    } finally {
      await onB.close()
    }
  })
})
