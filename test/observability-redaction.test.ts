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
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

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

    // A send (when the service has the route), then the disconnect (which revokes the token at Meta).
    await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", { to: "14155550123", text: "hi" })
    const disconnected = await http.api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
    expect(disconnected.status).toBe(200)
    await sleep(1_000) // let the worker process the inbound event and log it

    const output = service.output()
    expect(output.length).toBeGreaterThan(0)
    expect(output.match(/EAA[A-Za-z0-9]{20,}/g) ?? [], "a Meta token was printed").toEqual([])
    for (const { what, value } of secrets) {
      expect(value.length).toBeGreaterThanOrEqual(8)
      expect(output.includes(value), `${what} was printed`).toBe(false)
    }
    expect(output.match(/eyJ[A-Za-z0-9_-]*\.eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+/g) ?? [], "a JWT was printed").toEqual([])
    expect(output.match(/sha256=[0-9a-f]{64}/g) ?? [], "a signature was printed").toEqual([])

    // Once the JSON logger is wired: every line is one JSON object, and a request's lines carry its id.
    const lines = output.split("\n").filter((line) => line.trim() !== "")
    const json = lines.filter((line) => line.startsWith("{"))
    if (forged.headers.get("x-request-id") === "obs-forged-callback" && json.length > lines.length / 2) {
      const records = json.map(
        (line) => JSON.parse(line) as { message: unknown; annotations?: Record<string, unknown> }
      )
      const refusedLine = records.find((r) =>
        JSON.stringify(r.message).includes("OAuth callback (whatsapp) refused: state_invalid")
      )
      expect(refusedLine?.annotations?.["request_id"]).toBe("obs-forged-callback")
    }
  }, 90_000)
})
