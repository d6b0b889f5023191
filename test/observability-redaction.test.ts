/**
 * The suite-wide leak scan: runs the real service (sandbox mode, LOG_LEVEL=debug, JSON logs), drives a connect
 * through the sandbox's Embedded Signup, failures included, receives webhooks, sends, disconnects, and then
 * checks that nothing the service printed holds a token, a secret, the session JWT or an OAuth code.
 */
import { createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { eventually } from "./support/Eventually.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"

let stack: Stack
let service: RunningService
let sandboxUrl: string
let dataDir: string
let http: ReturnType<typeof client>

const control = (path: string, body?: unknown, method?: string) => stack.control(path, body, method)
const numberIds = async () => {
  const state = (await (await fetch(`${sandboxUrl}/_sandbox/state`)).json()) as { numbers: Array<{ id: string }> }
  return new Set(state.numbers.map((n) => n.id))
}
interface LogLine {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
  readonly trace_id?: string
}

/** What must never be printed, collected while driving the service. */
const secrets: Array<{ readonly what: string; readonly value: string }> = []

beforeAll(async () => {
  stack = await startStack("obs-redaction", {
    LOG_LEVEL: "debug",
    LOG_FORMAT: "json"
  })
  ;({ service, sandboxUrl } = stack)
  dataDir = stack.dataDir
  http = client(service.url)
}, 60_000)

afterAll(async () => {
  await service?.stop()
})

describe("nothing secret is ever logged", () => {
  it("through a connect (with failures), webhooks, a send and a disconnect at LOG_LEVEL=debug", async () => {
    const stored = JSON.parse(readFileSync(join(dataDir, "sandbox-secrets.json"), "utf8")) as Record<string, string>
    for (const name of [
      "META_APP_SECRET",
      "META_WEBHOOK_VERIFY_TOKEN",
      "AUTH_JWT_SECRET",
      "TOKEN_ENCRYPTION_KEY_BASE64"
    ])
      secrets.push({ what: name, value: stored[name]! })

    const { token } = await http.session("obs-redaction")
    secrets.push({ what: "the session JWT", value: token })

    // A failing code exchange first: the Graph adapter logs its failed attempts at debug.
    await control("faults", { path: "/oauth/access_token", kind: "http500", times: 0 })
    const failed = await http.connect(token, { action: "approve", waba: "new", phone: "new" })
    await control("faults", undefined, "DELETE")
    expect(new URL(failed.location).searchParams.get("reason")).toBe("meta_error")
    const failedCode = new URL(failed.callbackUrl).searchParams.get("code")
    if (failedCode !== null) secrets.push({ what: "an OAuth code", value: failedCode })

    // A cancelled dialog, and a callback with a made-up state (logged as refused).
    const cancelled = await http.connect(token, { action: "cancel" })
    expect(new URL(cancelled.location).searchParams.get("reason")).toBe("cancelled")
    const forgedCode = `AQ${"f".repeat(120)}`
    secrets.push({ what: "a forged OAuth code", value: forgedCode })
    const forged = await fetch(
      `${service.url}/api/integrations/meta/whatsapp/callback?state=bogus&code=${forgedCode}`,
      { redirect: "manual", headers: { "x-request-id": "obs-forged-callback" } }
    )
    expect(forged.status).toBe(302)

    // The real connect.
    const before = await numberIds()
    const connected = await http.connect(token, { action: "approve", waba: "new", phone: "new" })
    expect(new URL(connected.location).searchParams.get("whatsapp")).toBe("connected")
    const code = new URL(connected.callbackUrl).searchParams.get("code")
    expect(code).not.toBeNull()
    secrets.push({ what: "the OAuth code", value: code! })
    const phoneNumberId = [...(await numberIds())].find((id) => !before.has(id))
    expect(phoneNumberId).toBeDefined()

    // Webhooks: Meta's verification handshake (the verify token in the query), a signed inbound message, and a
    // delivery with a wrong signature.
    const verify = await fetch(
      `${service.url}/webhooks/meta/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token=${stored["META_WEBHOOK_VERIFY_TOKEN"]}`
    )
    expect(verify.status).toBe(200)
    const inbound = await control("inbound", { phoneNumberId, from: "14155550123", text: "hello" })
    expect(inbound["deliveryStatus"]).toBe(200)
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] })
    const wrong = createHmac("sha256", "not-the-secret").update(body).digest("hex")
    const refused = await fetch(`${service.url}/webhooks/meta/whatsapp`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${wrong}` },
      body
    })
    expect(refused.status).toBe(401)

    // A send once the inbound message is stored (it opens the 24-hour window for replies), then the disconnect
    // (which revokes the token at Meta).
    await eventually(
      async () => (/Inbound messages: 1 stored/.test(service.output()) ? true : undefined),
      "the inbound message stored"
    )
    const reply = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "14155550123",
      text: "hi"
    })
    expect(reply.status).toBe(201)
    // Two GraphQL sends, each with its own request id: the use case runs in its request's span.
    for (const requestId of ["obs-graphql-1", "obs-graphql-2"]) {
      const response = await fetch(`${service.url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}`, "x-request-id": requestId },
        body: JSON.stringify({
          query: `mutation { sendWhatsAppText(input: { to: "14155550123", text: "typed" }) { __typename } }`
        })
      })
      expect(response.status).toBe(200)
    }
    // The worker processes the inbound event and the sends' statuses, and logs them, before the disconnect (after
    // it, they would be kept unrouted).
    await eventually(
      async () =>
        /Inbound messages: 1 stored/.test(service.output()) && /Message status /.test(service.output())
          ? true
          : undefined,
      "the inbound message and a status processed"
    )
    const disconnected = await http.api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
    expect(disconnected.status).toBe(200)

    const output = service.output()
    expect(output.length).toBeGreaterThan(0)
    expect(output.match(/EAA[A-Za-z0-9]{20,}/g) ?? [], "a Meta token was printed").toEqual([])
    for (const { what, value } of secrets) {
      expect(value.length).toBeGreaterThanOrEqual(8)
      expect(output.includes(value), `${what} was printed`).toBe(false)
    }
    expect(output.match(/eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+/g) ?? [], "a JWT was printed").toEqual([])
    expect(output.match(/sha256=[0-9a-f]{64}/g) ?? [], "a signature was printed").toEqual([])

    // Stopped here, so the shutdown lines are in the scan too.
    expect(await service.stop()).toBe(0)
    const all = service.output()
    for (const { what, value } of secrets) expect(all.includes(value), `${what} was printed`).toBe(false)
    expect(all.match(/EAA[A-Za-z0-9]{20,}/g) ?? [], "a Meta token was printed").toEqual([])

    // Every line is one JSON object whose message is a string, the sandbox's and the shutdown's included.
    const lines = all.split("\n").filter((line) => line.trim() !== "")
    const records = lines.map((line) => {
      let parsed: unknown
      expect(() => (parsed = JSON.parse(line)), `not JSON: ${line.slice(0, 200)}`).not.toThrow()
      const record = parsed as LogLine
      expect(typeof record.message, `message not a string: ${line.slice(0, 200)}`).toBe("string")
      return record
    })
    const find = (message: string | RegExp) =>
      records.filter((r) => (typeof message === "string" ? r.message === message : message.test(r.message)))
    expect(find("Shutting down")).toHaveLength(1)
    expect(find("Stopped")).toHaveLength(1)
    expect(records.at(-1)!.message).toBe("Stopped")

    // A distinct trace id per request: each GraphQL request's lines (its request line and the send its use case
    // logged) share one trace id, and the two requests' differ.
    const traceOf = (requestId: string) => {
      const lines = records.filter((r) => r.annotations["request_id"] === requestId)
      expect(lines.map((r) => r.message)).toEqual(
        expect.arrayContaining(["HTTP POST /graphql 200", expect.stringMatching(/^WhatsApp send: /)])
      )
      const traces = new Set(lines.map((r) => r.trace_id))
      expect(traces.size, `one trace for ${requestId}`).toBe(1)
      const [trace] = traces
      expect(trace).toMatch(/^[0-9a-f]{32}$/)
      return trace
    }
    expect(traceOf("obs-graphql-1")).not.toBe(traceOf("obs-graphql-2"))
    const requestLines = find(/^HTTP /)
    expect(new Set(requestLines.map((r) => r.trace_id)).size).toBe(requestLines.length)
    const refusedLine = find("OAuth callback (whatsapp) refused: state_invalid")
    expect(refusedLine[0]?.annotations["request_id"]).toBe("obs-forged-callback")

    // One info line, with the tenant and connection ids, for each step an operator follows.
    const info = (message: RegExp, keys: ReadonlyArray<string>) => {
      const found = find(message).filter((r) => r.level === "INFO")
      expect(found.length, `an info line matching ${message}`).toBeGreaterThan(0)
      for (const key of keys) expect(found[0]!.annotations[key], `${key} on ${message}`).toBeDefined()
      return found
    }
    const connectedLine = info(/^WhatsAppConnections: connected/, ["tenant_id", "connection_id", "status"])[0]!
    const tenantId = connectedLine.annotations["tenant_id"]
    const connectionId = connectedLine.annotations["connection_id"]
    info(/^WhatsAppConnections: connect failed/, ["tenant_id", "error"])
    // The accepted event is on its request line (issue 18.3, w7A: one line per delivery).
    info(/^HTTP POST \/webhooks\/meta\/whatsapp 200$/, ["event_id"])
    info(/^Webhook batch processed/, ["event_id", "messages_stored", "statuses_recorded"])
    expect(info(/^Inbound messages: 1 stored/, ["tenant_id", "connection_id"])[0]!.annotations["tenant_id"]).toBe(
      tenantId
    )
    info(/^Message status /, ["tenant_id", "connection_id", "provider_message_id", "status"])
    expect(info(/^WhatsApp send: /, ["tenant_id", "message_id"])[0]!.annotations["tenant_id"]).toBe(tenantId)
    const retired = info(/ -> revoked \(disconnect\)$/, ["tenant_id", "connection_id", "from", "to"])
    expect(retired[0]!.annotations["connection_id"]).toBe(connectionId)
  }, 90_000)
})
