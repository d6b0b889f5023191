import { describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import {
  connectedEachTest,
  connectWhatsApp,
  expectedSignature,
  graph,
  graphError,
  type Receiver,
  control as sandboxControl,
  startReceiver,
  VERIFY_TOKEN
} from "./testkit.ts"
import { metaJson } from "./webhooks.ts"

interface Envelope {
  object: string
  entry: Array<{ id: string; time?: number; changes: Array<{ field: string; value: Record<string, unknown> }> }>
}

let sandbox: RunningSandbox
let receiver: Receiver
let token: string
let wabaId: string
let numberId: string

const control = async (path: string, body: unknown) => (await sandboxControl(sandbox, path, body)).body

connectedEachTest((connected) => {
  ;({ sandbox, receiver, token, wabaId, numberId } = connected)
})

const send = (to: string) =>
  graph(sandbox, "POST", `/${numberId}/messages`, {
    token,
    json: { messaging_product: "whatsapp", to, type: "text", text: { body: "hello" } }
  })

describe("webhook deliveries", () => {
  it("signs non-ASCII inbound text over Meta's escaped bytes", async () => {
    const text = "Olá, çà va? 😮 Привет/你好"
    const result = await control("inbound", { phoneNumberId: numberId, from: "15550107777", text, name: "Zoë" })
    expect(result["deliveryStatus"]).toBe(200)
    expect(result["wamid"]).toMatch(/^wamid\./)
    const [hook] = receiver.received
    expect(hook!.body).toMatch(/^[\x20-\x7e]+$/)
    expect(hook!.body).toContain("Ol\\u00e1")
    expect(hook!.body).toContain("\\ud83d\\ude2e")
    expect(hook!.body).toContain("\\/")
    expect(hook!.signature).toBe(expectedSignature(hook!.body))
    // Re-serialising the parsed body gives other bytes, so its signature differs.
    expect(expectedSignature(JSON.stringify(hook!.payload))).not.toBe(hook!.signature)
    const payload = hook!.payload as Envelope
    expect(payload.object).toBe("whatsapp_business_account")
    expect(payload.entry[0]!.id).toBe(wabaId)
    const value = payload.entry[0]!.changes[0]!.value
    expect(payload.entry[0]!.changes[0]!.field).toBe("messages")
    expect((value["messages"] as Array<Record<string, unknown>>)[0]).toMatchObject({
      from: "15550107777",
      id: result["wamid"],
      type: "text",
      text: { body: text }
    })
    expect(value["contacts"]).toEqual([{ profile: { name: "Zoë" }, wa_id: "15550107777" }])
    expect(metaJson({ a: "äöå" })).toBe('{"a":"\\u00e4\\u00f6\\u00e5"}')
  })

  it("retries with backoff until the receiver answers 200", async () => {
    receiver.answers.push(500, 503)
    const result = await control("inbound", { phoneNumberId: numberId, from: "15550107777", text: "retry me" })
    expect(result["deliveryStatus"]).toBe(500)
    await sandbox.webhooksIdle()
    expect(receiver.received).toHaveLength(1)
    const delivery = sandbox.ctx.webhooks.deliveries.at(-1)!
    expect(delivery.attempts.map((a) => a.outcome)).toEqual([500, 503, 200])
    expect(delivery.status).toBe("delivered")
  })

  it("gives up after the last retry and reports it in the state", async () => {
    receiver.answers.push(500, 500, 500, 500)
    await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
    await sandbox.webhooksIdle()
    const state = sandbox.summary()
    expect(state.deliveries.at(-1)).toMatchObject({ status: "failed" })
    expect(state.deliveries.at(-1)!.attempts).toHaveLength(4)
  })

  it("duplicate deliveries come twice with the same wamid", async () => {
    await control("delivery", { duplicate: true })
    await control("inbound", { phoneNumberId: numberId, from: "15550107777", text: "twice" })
    await sandbox.webhooksIdle()
    expect(receiver.received).toHaveLength(2)
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body)
  })

  it("statuses out of order on demand", async () => {
    // The customer writes first: a free-form send needs the 24-hour window open (else one `failed` status).
    await control("inbound", { phoneNumberId: numberId, from: "15550108888" })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    await control("delivery", { outOfOrder: true })
    await send("15550108888")
    await sandbox.webhooksIdle()
    const statuses = receiver.received.map(
      (r) => ((r.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] as Array<{ status: string }>)[0]!.status
    )
    expect(statuses).toEqual(["read", "delivered", "sent"])
  })

  it("held statuses: only sent after a send; delivered and read come when released, of that message only", async () => {
    await control("inbound", { phoneNumberId: numberId, from: "15550108889" })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    await control("config", { holdStatuses: true })
    const first = (await send("15550108889")).body as { messages: Array<{ id: string }> }
    await send("15550108889")
    await sandbox.webhooksIdle()
    const statuses = () =>
      receiver.received.map((r) => {
        const status = (
          (r.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] as Array<{
            id: string
            status: string
          }>
        )[0]!
        return `${status.id === first.messages[0]!.id ? "first" : "second"}:${status.status}`
      })
    expect(statuses()).toEqual(["first:sent", "second:sent"])
    expect(await control("statuses/release", { wamid: first.messages[0]!.id })).toEqual({ released: 2 })
    await sandbox.webhooksIdle()
    expect(statuses()).toEqual(["first:sent", "second:sent", "first:delivered", "first:read"])
    expect(await control("statuses/release", {})).toEqual({ released: 2 })
    expect(await control("statuses/release", {})).toEqual({ released: 0 })
  })

  it("a recipient set up to fail gets a failed status with Meta's error", async () => {
    await control("recipients", {
      waId: "15550106666",
      failWith: { code: 131047, title: "Re-engagement message", message: "Re-engagement message" }
    })
    const sent = await send("+1 555-010-6666")
    expect(sent.status).toBe(200)
    await sandbox.webhooksIdle()
    expect(receiver.received).toHaveLength(1)
    const status = (
      (receiver.received[0]!.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] as Array<
        Record<string, unknown>
      >
    )[0]!
    expect(status["status"]).toBe("failed")
    expect(status["errors"]).toEqual([
      expect.objectContaining({ code: 131047, title: "Re-engagement message", error_data: expect.any(Object) })
    ])
  })

  it("enforces the 24-hour customer service window by default: accepted, then one failed status with 131047", async () => {
    const statusesOf = () =>
      receiver.received.flatMap(
        (r) => ((r.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] ?? []) as Array<Record<string, unknown>>
      )
    // No inbound message yet: Meta takes the send (a wamid), then fails it asynchronously.
    const cold = await send("15550105555")
    expect(cold.status).toBe(200)
    await sandbox.webhooksIdle()
    expect(statusesOf().map((s) => s["status"])).toEqual(["failed"])
    expect(statusesOf()[0]!["errors"]).toEqual([
      expect.objectContaining({ code: 131047, title: "Re-engagement message" })
    ])
    // The customer writes: the window is open for 24 hours.
    await control("inbound", { phoneNumberId: numberId, from: "15550105555" })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    await send("15550105555")
    await sandbox.webhooksIdle()
    expect(statusesOf().map((s) => s["status"])).toEqual(["sent", "delivered", "read"])
    // 24 hours and one second later it is closed again.
    await control("clock", { advanceSeconds: 24 * 3600 + 1 })
    receiver.received.length = 0
    await send("15550105555")
    await sandbox.webhooksIdle()
    expect(statusesOf().map((s) => s["status"])).toEqual(["failed"])
    // The control switches the rule off for tests that are about something else.
    receiver.received.length = 0
    expect((await control("config", { enforceServiceWindow: false }))["enforceServiceWindow"]).toBe(false)
    await send("15550105555")
    await sandbox.webhooksIdle()
    expect(statusesOf().map((s) => s["status"])).toEqual(["sent", "delivered", "read"])
  })

  it("a Click-to-WhatsApp entry: the message carries its referral; a reply within 24 h opens a 72-hour free entry point, free text still ends at 24 h", async () => {
    const statusesOf = () =>
      receiver.received.flatMap(
        (r) => ((r.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] ?? []) as Array<Record<string, unknown>>
      )
    const template = () =>
      graph(sandbox, "POST", `/${numberId}/messages`, {
        token,
        json: {
          messaging_product: "whatsapp",
          to: "15550106666",
          type: "template",
          template: { name: "hello_world", language: { code: "en_US" } }
        }
      })
    const refused = await fetch(`${sandbox.url}/_sandbox/inbound`, {
      method: "POST",
      body: JSON.stringify({ phoneNumberId: numberId, from: "15550106666", referral: { sourceType: "story" } })
    })
    expect(refused.status).toBe(400)
    await control("inbound", {
      phoneNumberId: numberId,
      from: "15550106666",
      text: "Is this still on sale?",
      referral: { sourceId: "120200000000001", headline: "Spring sale", ctwaClid: "ARAclid" }
    })
    await sandbox.webhooksIdle()
    const message = (
      (receiver.received[0]!.payload as Envelope).entry[0]!.changes[0]!.value["messages"] as Array<
        Record<string, unknown>
      >
    )[0]!
    expect(message["referral"]).toEqual({
      source_url: "https://fb.me/120200000000001",
      source_id: "120200000000001",
      source_type: "ad",
      headline: "Spring sale",
      body: "Write to us on WhatsApp",
      media_type: "image",
      image_url: "https://scontent.example/ad.jpg",
      thumbnail_url: "https://scontent.example/ad-thumb.jpg",
      ctwa_clid: "ARAclid"
    })
    // The reply within 24 hours opens the free entry point: free, and named so in its statuses.
    await control("clock", { advanceSeconds: 3600 })
    receiver.received.length = 0
    await send("15550106666")
    await sandbox.webhooksIdle()
    const sent = statusesOf().find((s) => s["status"] === "sent")!
    expect(sent["pricing"]).toEqual({
      billable: false,
      pricing_model: "PMP",
      type: "free_entry_point",
      category: "referral_conversion"
    })
    const conversation = sent["conversation"] as { id: string; expiration_timestamp: string; origin: unknown }
    expect(conversation.origin).toEqual({ type: "referral_conversion" })
    const opened = Number(conversation.expiration_timestamp)
    // 30 hours after the customer wrote: free text fails (the 24-hour window), a template goes, free.
    await control("clock", { advanceSeconds: 29 * 3600 })
    receiver.received.length = 0
    await send("15550106666")
    await sandbox.webhooksIdle()
    expect(statusesOf().map((s) => s["status"])).toEqual(["failed"])
    expect(statusesOf()[0]!["errors"]).toEqual([expect.objectContaining({ code: 131047 })])
    receiver.received.length = 0
    expect((await template()).status).toBe(200)
    await sandbox.webhooksIdle()
    const free = statusesOf().find((s) => s["status"] === "sent")!
    expect(free["pricing"]).toMatchObject({ type: "free_entry_point", billable: false })
    expect(Number((free["conversation"] as { expiration_timestamp: string }).expiration_timestamp)).toBe(opened)
    // 72 hours after the reply the window is over: a template is billed by its category again.
    await control("clock", { advanceSeconds: 43 * 3600 })
    receiver.received.length = 0
    await template()
    await sandbox.webhooksIdle()
    const billed = statusesOf().find((s) => s["status"] === "sent")!
    expect(billed["pricing"]).toMatchObject({ type: "regular", billable: true })
    expect(billed["conversation"]).toBeUndefined()
  })

  it("a post is not a free entry point, nor is a reply after 24 hours", async () => {
    const sentPricing = () =>
      receiver.received
        .flatMap(
          (r) =>
            ((r.payload as Envelope).entry[0]!.changes[0]!.value["statuses"] ?? []) as Array<Record<string, unknown>>
        )
        .find((s) => s["status"] === "sent")?.["pricing"]
    await control("inbound", { phoneNumberId: numberId, from: "15550106667", referral: { sourceType: "post" } })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    await send("15550106667")
    await sandbox.webhooksIdle()
    expect(sentPricing()).toMatchObject({ type: "free_customer_service" })
    await control("config", { enforceServiceWindow: false })
    await control("inbound", { phoneNumberId: numberId, from: "15550106668", referral: {} })
    await control("clock", { advanceSeconds: 25 * 3600 })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    await send("15550106668")
    await sandbox.webhooksIdle()
    expect(sentPricing()).toMatchObject({ type: "free_customer_service" })
  })

  it("a batch holds several entries and changes", async () => {
    const second = await control("seed/phone-number", { wabaId, registered: true })
    const newWaba = await connectWhatsApp(sandbox, { action: "approve", waba: "new" })
    const otherWaba = sandbox.summary().tokens.at(-1)!.wabaIds[0]!
    expect((await graph(sandbox, "POST", `/${otherWaba}/subscribed_apps`, { token: newWaba })).status).toBe(200)
    const otherNumber = sandbox.summary().wabas.find((w) => w.id === otherWaba)!.phoneNumberIds[0]!
    const result = await control("inbound-batch", {
      items: [
        { phoneNumberId: numberId, from: "15550101111", text: "one" },
        { phoneNumberId: String(second["id"]), from: "15550102222", text: "two" },
        { phoneNumberId: otherNumber, from: "15550103333", type: "image" }
      ]
    })
    expect(result["deliveryStatuses"]).toEqual([200])
    const payload = receiver.received[0]!.payload as Envelope
    expect(payload.entry.map((e) => e.id)).toEqual([wabaId, otherWaba])
    expect(payload.entry[0]!.changes).toHaveLength(2)
    expect(receiver.received[0]!.signature).toBe(expectedSignature(receiver.received[0]!.body))
  })

  it("account_update PARTNER_APP_UNINSTALLED: entry.id is the partner business, the token dies", async () => {
    const result = await control("account-update", { wabaId, event: "PARTNER_APP_UNINSTALLED" })
    expect(result["deliveryStatus"]).toBe(200)
    const payload = receiver.received[0]!.payload as Envelope
    expect(payload.entry[0]!.id).toBe(sandbox.ctx.state.app.partnerBusinessId)
    expect(typeof payload.entry[0]!.time).toBe("number")
    expect(payload.entry[0]!.changes[0]).toEqual({
      field: "account_update",
      value: {
        event: "PARTNER_APP_UNINSTALLED",
        waba_info: {
          waba_id: wabaId,
          owner_business_id: sandbox.ctx.state.seedBusinessId,
          partner_app_id: expect.any(String)
        }
      }
    })
    expect(graphError(await graph(sandbox, "GET", `/${wabaId}/phone_numbers`, { token }))["code"]).toBe(190)
  })

  it("account_update DISABLED_UPDATE carries ban_info and is keyed by the WABA", async () => {
    await control("account-update", { wabaId, event: "DISABLED_UPDATE" })
    const payload = receiver.received[0]!.payload as Envelope
    expect(payload.entry[0]!.id).toBe(wabaId)
    expect(payload.entry[0]!.changes[0]!.value).toMatchObject({
      event: "DISABLED_UPDATE",
      ban_info: { waba_ban_state: ["DISABLE"] }
    })
  })

  it("no messages webhooks for a WABA the app is not subscribed to", async () => {
    expect((await graph(sandbox, "DELETE", `/${wabaId}/subscribed_apps`, { token })).body).toEqual({ success: true })
    const result = await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
    expect(result["deliveryStatus"]).toBe("not_subscribed")
    expect(receiver.received).toHaveLength(0)
  })

  it("a WABA-level override_callback_uri receives messages after its own handshake", async () => {
    const other = await startReceiver()
    try {
      const ok = await graph(sandbox, "POST", `/${wabaId}/subscribed_apps`, {
        token,
        json: { override_callback_uri: other.url, verify_token: VERIFY_TOKEN }
      })
      expect(ok.body).toEqual({ success: true })
      await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
      expect(other.received).toHaveLength(1)
      expect(receiver.received).toHaveLength(0)
    } finally {
      await other.close()
    }
  })

  it("an override set by the control: messages go to it, account-level fields (quality) stay on the app callback", async () => {
    const other = await startReceiver()
    try {
      const set = await control(`wabas/${wabaId}/subscribed-apps`, { overrideCallbackUri: other.url })
      expect(set["overrideCallbackUri"]).toBe(other.url)
      const read = await graph(sandbox, "GET", `/${wabaId}/subscribed_apps`, { token })
      expect((read.body as { data: Array<Record<string, unknown>> }).data[0]!["override_callback_uri"]).toBe(other.url)
      await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
      expect(other.received).toHaveLength(1)
      expect(receiver.received).toHaveLength(0)
      await control(`numbers/${numberId}/quality`, { rating: "RED" })
      expect(other.received, "phone_number_quality_update does not follow the override").toHaveLength(1)
      expect(receiver.received.map((r) => (r.payload as Envelope).entry[0]!.changes[0]!.field)).toEqual([
        "phone_number_quality_update"
      ])
      await control(`wabas/${wabaId}/subscribed-apps`, { overrideCallbackUri: null })
      await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
      expect(receiver.received).toHaveLength(2)
    } finally {
      await other.close()
    }
  })

  it("username-only contacts: empty wa_id/from with user_id", async () => {
    await control("inbound", { phoneNumberId: numberId, from: "", userId: "US.1234567890", text: "hi" })
    const value = (receiver.received[0]!.payload as Envelope).entry[0]!.changes[0]!.value
    expect(value["contacts"]).toEqual([{ profile: { name: "Sandbox Customer" }, wa_id: "", user_id: "US.1234567890" }])
    expect((value["messages"] as Array<Record<string, unknown>>)[0]!["from"]).toBe("")
  })

  it("reset restores the seed and drops the webhook log", async () => {
    await control("inbound", { phoneNumberId: numberId, from: "15550107777" })
    await control("reset", {})
    const state = sandbox.summary()
    expect(state.deliveries).toHaveLength(0)
    expect(state.wabas).toHaveLength(1)
    expect(state.numbers).toHaveLength(2)
    expect(state.app.subscription?.callbackUrl).toBe(receiver.url)
  })
})
