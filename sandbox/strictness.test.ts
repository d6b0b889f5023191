import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import {
  APP_ID,
  appToken,
  connectWhatsApp,
  graph,
  graphError,
  proofFor,
  type Receiver,
  control as sandboxControl,
  start,
  startReceiver
} from "./testkit.ts"

let sandbox: RunningSandbox
let receiver: Receiver
beforeEach(async () => {
  receiver = await startReceiver()
  sandbox = await start({ webhookCallbackUrl: receiver.url })
})
afterEach(async () => {
  await sandbox.close()
  await receiver.close()
})

const control = (path: string, body: unknown) => sandboxControl(sandbox, path, body)

const seedWaba = () => sandbox.summary().seed.wabaId
const registeredNumber = () => sandbox.summary().numbers.find((n) => n.registered)?.id ?? ""

describe("appsecret_proof (Require App Secret on by default)", () => {
  it("a user or system user token without the proof gets 100 GraphMethodException", async () => {
    const token = await connectWhatsApp(sandbox)
    const missing = await graph(sandbox, "GET", `/${seedWaba()}/phone_numbers`, { token, proof: false })
    expect(missing.status).toBe(400)
    const error = graphError(missing)
    expect(error["code"]).toBe(100)
    expect(error["type"]).toBe("GraphMethodException")
    expect(error["message"]).toBe("API calls from the server require an appsecret_proof argument")

    const wrong = await graph(sandbox, "GET", `/${seedWaba()}/phone_numbers`, { token, proof: proofFor(token, "x") })
    expect(graphError(wrong)["message"]).toBe("Invalid appsecret_proof provided in the API argument")
    expect(graphError(wrong)["code"]).toBe(100)

    const right = await graph(sandbox, "GET", `/${seedWaba()}/phone_numbers`, { token })
    expect(right.status).toBe(200)
    // On POST and DELETE too, as a query parameter.
    const post = await graph(sandbox, "POST", `/${seedWaba()}/subscribed_apps`, { token, proof: false })
    expect(graphError(post)["code"]).toBe(100)
    expect((await graph(sandbox, "POST", `/${seedWaba()}/subscribed_apps`, { token })).status).toBe(200)
  })

  it("the app token needs no proof; the switch turns the requirement off, never the check of a wrong proof", async () => {
    const token = await connectWhatsApp(sandbox)
    const debug = await graph(sandbox, "GET", "/debug_token", { token: appToken, query: { input_token: token } })
    expect(debug.status).toBe(200)
    expect((await control("config", { requireAppSecretProof: false })).body["requireAppSecretProof"]).toBe(false)
    expect((await graph(sandbox, "GET", "/me", { token, proof: false })).status).toBe(200)
    const wrong = await graph(sandbox, "GET", "/me", { token, proof: "00" })
    expect(graphError(wrong)["message"]).toBe("Invalid appsecret_proof provided in the API argument")
  })

  it("the proof is checked against the app's current secret", async () => {
    const token = await connectWhatsApp(sandbox)
    const before = proofFor(token, sandbox.ctx.state.app.secret)
    ;(sandbox.ctx.state.app as { secret: string }).secret = "rotated-secret-rotated-secret-00"
    const stale = await graph(sandbox, "GET", "/me", { token, proof: before })
    expect(graphError(stale)["message"]).toBe("Invalid appsecret_proof provided in the API argument")
    expect((await graph(sandbox, "GET", "/me", { token })).status).toBe(200)
  })
})

describe("wa_id: what WhatsApp calls a number", () => {
  it("Brazil drops the mobile ninth digit, Mexico the 1 after 52; inbound from that contact carries the wa_id", async () => {
    const token = await connectWhatsApp(sandbox)
    const phone = registeredNumber()
    const send = (to: string) =>
      graph(sandbox, "POST", `/${phone}/messages`, {
        token,
        json: { messaging_product: "whatsapp", to, type: "text", text: { body: "Olá" } }
      })
    const brazil = await send("+55 11 91234-5678")
    expect(brazil.body["contacts"]).toEqual([{ input: "+55 11 91234-5678", wa_id: "551112345678" }])
    const mexico = await send("+52 1 55 1234 5678")
    expect((brazil.body["contacts"] as Array<unknown>).length).toBe(1)
    expect((mexico.body["contacts"] as Array<Record<string, unknown>>)[0]?.["wa_id"]).toBe("525512345678")
    const plain = await send("+1 555 010 9876")
    expect((plain.body["contacts"] as Array<Record<string, unknown>>)[0]?.["wa_id"]).toBe("15550109876")
    // A landline-length Brazilian number (no ninth digit) stays as it is.
    const landline = await send("+55 11 3123-4567")
    expect((landline.body["contacts"] as Array<Record<string, unknown>>)[0]?.["wa_id"]).toBe("551131234567")

    await graph(sandbox, "POST", `/${seedWaba()}/subscribed_apps`, { token })
    const inbound = await control("inbound", { phoneNumberId: phone, from: "5511912345678", text: "Oi" })
    expect(inbound.status).toBe(200)
    const delivered = sandbox
      .summary()
      .deliveries.find((d) => JSON.stringify(d.payload).includes(String(inbound.body["wamid"])))
    expect(delivered).toBeDefined()
    const payload = delivered!.payload as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> }
    const value = payload.entry[0]!.changes[0]!.value
    expect((value["messages"] as Array<Record<string, unknown>>)[0]?.["from"]).toBe("551112345678")
    expect((value["contacts"] as Array<Record<string, unknown>>)[0]?.["wa_id"]).toBe("551112345678")
  })
})

describe("tokens of another app", () => {
  it("debug_token refuses to inspect them (100); Graph calls with our proof are refused", async () => {
    const minted = await control("tokens", {})
    expect(minted.status).toBe(200)
    const token = String(minted.body["accessToken"])
    expect(token).toMatch(/^EAA/)
    expect(minted.body["appId"]).not.toBe(APP_ID)
    const debug = await graph(sandbox, "GET", "/debug_token", { token: appToken, query: { input_token: token } })
    expect(debug.status).toBe(400)
    expect(graphError(debug)["code"]).toBe(100)
    expect(graphError(debug)["message"]).toBe("(#100) The App_id in the input_token did not match the Viewing App")
    const call = await graph(sandbox, "GET", `/${seedWaba()}/phone_numbers`, { token })
    expect(graphError(call)["message"]).toBe("Invalid appsecret_proof provided in the API argument")
  })
})

describe("the app's webhook callback", () => {
  it("starts subscribed to the given callback; another environment can take it", async () => {
    expect(sandbox.summary().app.subscription?.callbackUrl).toBe(receiver.url)
    const set = await control("app/subscription", { callbackUrl: "https://staging.example.com/webhooks/meta/whatsapp" })
    expect(set.status).toBe(200)
    const listed = await graph(sandbox, "GET", `/${APP_ID}/subscriptions`, { token: appToken })
    const data = listed.body["data"] as Array<Record<string, unknown>>
    expect(data[0]?.["callback_url"]).toBe("https://staging.example.com/webhooks/meta/whatsapp")
    expect(data[0]?.["object"]).toBe("whatsapp_business_account")
    expect((await control("app/subscription", { callbackUrl: null })).body["subscription"]).toBeNull()
    expect(sandbox.summary().app.subscription).toBeNull()
  })
})

describe("account_update restrictions and bans act on sends, as at Meta", () => {
  it("a messaging restriction refuses replies until it expires; DISABLE refuses all until REINSTATE", async () => {
    const token = await connectWhatsApp(sandbox)
    const send = async () =>
      graph(sandbox, "POST", `/${registeredNumber()}/messages`, {
        token,
        json: { messaging_product: "whatsapp", to: "14155550100", type: "text", text: { body: "hi" } }
      })
    expect((await send()).status).toBe(200)
    // The default restriction (adding numbers) blocks no message.
    expect((await control("account-update", { wabaId: seedWaba(), event: "ACCOUNT_RESTRICTION" })).status).toBe(200)
    expect((await send()).status).toBe(200)
    const restrict = (expiration: string) =>
      control("account-update", {
        wabaId: seedWaba(),
        event: "ACCOUNT_RESTRICTION",
        restriction_info: [{ restriction_type: "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", expiration }]
      })
    expect((await restrict("2999-01-05T13:59:20+0000")).status).toBe(200)
    expect(graphError(await send())["code"]).toBe(131031)
    expect((await restrict("2001-01-05T13:59:20+0000")).status).toBe(200)
    expect((await send()).status).toBe(200)
    expect((await control("account-update", { wabaId: seedWaba(), event: "DISABLED_UPDATE" })).status).toBe(200)
    expect(graphError(await send())["code"]).toBe(131031)
    const reinstate = await control("account-update", {
      wabaId: seedWaba(),
      event: "DISABLED_UPDATE",
      ban_info: { waba_ban_state: ["REINSTATE"] }
    })
    expect(reinstate.status).toBe(200)
    expect((await send()).status).toBe(200)
  })
})
