import { createHash } from "node:crypto"
import { describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import {
  APP_ID,
  APP_SECRET,
  appToken,
  connectWhatsApp,
  dialogQuery,
  exchange,
  graph,
  graphError,
  type Receiver,
  control as sandboxControl,
  sandboxEachTest,
  setConfiguration,
  submitDialog,
  VERIFY_TOKEN,
  WA_REDIRECT
} from "./testkit.ts"

let sandbox: RunningSandbox
let receiver: Receiver
sandboxEachTest((started, receiving) => {
  sandbox = started
  receiver = receiving
})

const expectGraphShape = (error: Record<string, unknown>) => {
  expect(error["type"]).toBe("OAuthException")
  expect(typeof error["message"]).toBe("string")
  expect(typeof error["code"]).toBe("number")
  expect(String(error["fbtrace_id"])).toMatch(/^[A-Za-z0-9_-]{20,}$/)
  for (const key of Object.keys(error))
    expect(["message", "type", "code", "error_subcode", "fbtrace_id"]).toContain(key)
}

const control = async (path: string, body: unknown, method = "POST") =>
  (await sandboxControl(sandbox, path, body, method)).body

describe("dialog refusals", () => {
  it("an unknown client_id gets Meta's error page", async () => {
    const response = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${dialogQuery({ client_id: "999999999999999" })}`)
    expect(response.status).toBe(400)
    expect(await response.text()).toContain("Invalid App ID")
  })

  it("a redirect_uri the app does not allow gets Meta's error page, never a redirect", async () => {
    const query = dialogQuery({ redirect_uri: `${WA_REDIRECT}/evil` })
    const get = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`)
    expect(get.status).toBe(400)
    expect(await get.text()).toContain("URL Blocked")
    const post = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`, {
      method: "POST",
      body: "action=approve",
      redirect: "manual"
    })
    expect(post.status).toBe(400)
  })

  it("cancel redirects with access_denied and the state", async () => {
    const params = await submitDialog(sandbox, { action: "cancel" })
    expect(params.get("error")).toBe("access_denied")
    expect(params.get("error_reason")).toBe("user_denied")
    expect(params.get("error_description")).toBe("Permissions error")
    expect(params.get("state")).toBe("state-123")
    expect(params.get("code")).toBeNull()
  })
})

describe("code exchange refusals", () => {
  it("a redirect_uri that is not byte-identical fails with 100", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    for (const variant of [`${WA_REDIRECT}/`, WA_REDIRECT.replace("127.0.0.1", "localhost"), ""]) {
      const error = graphError(await exchange(sandbox, code, variant))
      expectGraphShape(error)
      expect(error).toMatchObject({ code: 100, error_subcode: 36008 })
      expect(error["message"]).toContain("Error validating verification code")
    }
    // Still usable with the right one: a failed attempt does not consume it.
    expect((await exchange(sandbox, code)).status).toBe(200)
  })

  it("the Embedded Signup dialog (config_id) ignores PKCE: a code_verifier at the exchange is refused", async () => {
    // Meta documents PKCE only for the OIDC login (scope=openid); with a Login for Business configuration the
    // dialog drops code_challenge, and the exchange then refuses any code_verifier (NangoHQ/nango#7156).
    const verifier = "v".repeat(43)
    const challenge = createHash("sha256").update(verifier).digest("base64url")
    const query = dialogQuery({ code_challenge: challenge, code_challenge_method: "S256" })
    const code = (await submitDialog(sandbox, { action: "approve" }, query)).get("code")!
    const refused = await graph(sandbox, "GET", "/oauth/access_token", {
      query: { client_id: APP_ID, client_secret: APP_SECRET, code, redirect_uri: WA_REDIRECT, code_verifier: verifier }
    })
    expect(refused.status).toBe(400)
    const error = graphError(refused)
    expectGraphShape(error)
    expect(error).toMatchObject({
      code: 100,
      message: "code_verifier param is provided without a code_challenge in authorization request."
    })
    // The challenge bound nothing: the code exchanges without any verifier.
    expect((await exchange(sandbox, code)).status).toBe(200)
  })

  it("a code works once", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    expect((await exchange(sandbox, code)).status).toBe(200)
    const again = await exchange(sandbox, code)
    expect(again.status).toBe(400)
    expect(graphError(again)).toMatchObject({
      code: 100,
      error_subcode: 36009,
      message: "This authorization code has been used."
    })
  })

  it("a code expires after 30 seconds on the sandbox clock", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    sandbox.advanceClock(31)
    expect(graphError(await exchange(sandbox, code))).toMatchObject({ code: 100, error_subcode: 36007 })
  })

  it("the clock control endpoint moves time too", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    await control("clock", { advanceSeconds: 29 })
    expect((await exchange(sandbox, code)).status).toBe(200)
  })

  it("wrong client id, wrong secret, unknown code", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    const badApp = await graph(sandbox, "GET", "/oauth/access_token", {
      query: { client_id: "111111111111111", client_secret: APP_SECRET, code, redirect_uri: WA_REDIRECT }
    })
    expect(graphError(badApp)["code"]).toBe(101)
    const badSecret = await graph(sandbox, "GET", "/oauth/access_token", {
      query: { client_id: APP_ID, client_secret: "nope", code, redirect_uri: WA_REDIRECT }
    })
    expect(graphError(badSecret)["code"]).toBe(1)
    expect(graphError(await exchange(sandbox, "AQnot-a-code"))["code"]).toBe(100)
  })
})

describe("token and permission refusals", () => {
  it("missing, garbage and revoked tokens", async () => {
    const waba = sandbox.ctx.state.seedWabaId
    expect(graphError(await graph(sandbox, "GET", `/${waba}/phone_numbers`))["code"]).toBe(104)
    const garbage = graphError(await graph(sandbox, "GET", `/${waba}/phone_numbers`, { token: "EAAgarbage" }))
    expectGraphShape(garbage)
    expect(garbage["code"]).toBe(190)

    const token = await connectWhatsApp(sandbox)
    expect((await graph(sandbox, "GET", `/${waba}/phone_numbers`, { token })).status).toBe(200)
    expect(await control("revoke-token", { wabaId: waba })).toEqual({ revoked: 1 })
    const revoked = graphError(await graph(sandbox, "GET", `/${waba}/phone_numbers`, { token }))
    expect(revoked).toMatchObject({ code: 190, error_subcode: 460 })
    expect(revoked["message"]).toContain("The session has been invalidated")
    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    expect(debug.body["data"]).toMatchObject({ is_valid: false, error: { code: 190 } })
  })

  it("debug_token with an unknown input token reports inside data; without an app token it is refused", async () => {
    const debug = await graph(sandbox, "GET", "/debug_token", {
      query: { input_token: "EAAxyz", access_token: appToken }
    })
    expect(debug.status).toBe(200)
    expect(debug.body["data"]).toMatchObject({ is_valid: false, error: { code: 190 } })
    const wrongSecret = await graph(sandbox, "GET", "/debug_token", {
      query: { input_token: "EAAxyz", access_token: `${APP_ID}|wrong` }
    })
    expect(graphError(wrongSecret)["code"]).toBe(190)
  })

  it("a token for one WABA cannot read another (100, subcode 33)", async () => {
    const token = await connectWhatsApp(sandbox, { action: "approve", waba: "new" })
    const seedWaba = sandbox.ctx.state.seedWabaId
    const seedNumber = sandbox.summary().wabas.find((w) => w.id === seedWaba)!.phoneNumberIds[0]!
    for (const [method, path] of [
      ["GET", `/${seedWaba}/phone_numbers`],
      ["GET", `/${seedNumber}`],
      ["POST", `/${seedWaba}/subscribed_apps`],
      ["POST", `/${seedNumber}/register`]
    ] as const) {
      const json = method === "POST" ? { messaging_product: "whatsapp", pin: "123456" } : undefined
      const error = graphError(await graph(sandbox, method, path, json === undefined ? { token } : { token, json }))
      expect(error).toMatchObject({ code: 100, error_subcode: 33 })
      expect(error["message"]).toContain(`Unsupported ${method.toLowerCase()} request. Object with ID`)
    }
  })

  it("a missing scope: 200 without whatsapp_business_management, 10 without whatsapp_business_messaging", async () => {
    const seedWaba = sandbox.ctx.state.seedWabaId
    const registered = sandbox.summary().numbers.find((n) => n.wabaId === seedWaba && n.registered)!
    await setConfiguration(sandbox, "whatsapp", ["whatsapp_business_messaging", "business_management"])
    const messagingOnly = await connectWhatsApp(sandbox)
    expect(
      graphError(await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, { token: messagingOnly }))["code"]
    ).toBe(200)
    expect(
      graphError(await graph(sandbox, "POST", `/${seedWaba}/subscribed_apps`, { token: messagingOnly }))["code"]
    ).toBe(200)
    await setConfiguration(sandbox, "whatsapp", ["whatsapp_business_management"])
    const managementOnly = await connectWhatsApp(sandbox)
    const send = await graph(sandbox, "POST", `/${registered.id}/messages`, {
      token: managementOnly,
      json: { messaging_product: "whatsapp", to: "15550109999", type: "text", text: { body: "x" } }
    })
    expect(graphError(send)["code"]).toBe(10)
  })

  it("subscribed_apps without the app-level subscription fails with 100", async () => {
    const token = await connectWhatsApp(sandbox)
    const error = graphError(
      await graph(sandbox, "POST", `/${sandbox.ctx.state.seedWabaId}/subscribed_apps`, { token })
    )
    expect(error["code"]).toBe(100)
  })

  it("the app subscription fails with 2200 when the callback does not echo the challenge, and needs an app token", async () => {
    receiver.echoChallenge = false
    const query = {
      object: "whatsapp_business_account",
      callback_url: receiver.url,
      verify_token: VERIFY_TOKEN,
      fields: "messages"
    }
    const failed = graphError(await graph(sandbox, "POST", `/${APP_ID}/subscriptions`, { token: appToken, query }))
    expect(failed["code"]).toBe(2200)
    const token = await connectWhatsApp(sandbox)
    expect(graphError(await graph(sandbox, "POST", `/${APP_ID}/subscriptions`, { token, query }))["code"]).toBe(15)
  })

  it("register: already registered with another PIN, bad PIN, number without a certificate", async () => {
    const token = await connectWhatsApp(sandbox)
    const waba = sandbox.ctx.state.seedWabaId
    const numberId = sandbox.summary().wabas.find((w) => w.id === waba)!.phoneNumberIds[1]!
    const reg = (pin: string, id = numberId) =>
      graph(sandbox, "POST", `/${id}/register`, { token, json: { messaging_product: "whatsapp", pin } })
    expect(graphError(await reg("12"))["code"]).toBe(100)
    expect((await reg("123456")).body).toEqual({ success: true })
    expect(graphError(await reg("654321"))["code"]).toBe(133005)
    const seeded = await control("seed/phone-number", { wabaId: waba, nameStatus: "EXPIRED" })
    expect(graphError(await reg("123456", String(seeded["id"])))["code"]).toBe(100)
    const pending = await control("seed/phone-number", { wabaId: waba, nameStatus: "PENDING_REVIEW" })
    expect((await reg("123456", String(pending["id"]))).body).toEqual({ success: true })
  })

  it("register: a two-step PIN set before (133005 with any other PIN), an unverified number (133006)", async () => {
    const token = await connectWhatsApp(sandbox)
    const waba = sandbox.ctx.state.seedWabaId
    const reg = (id: string, pin: string) =>
      graph(sandbox, "POST", `/${id}/register`, { token, json: { messaging_product: "whatsapp", pin } })
    const withPin = await control("seed/phone-number", { wabaId: waba, pin: "246810" })
    expect(withPin).toMatchObject({ registered: false, pinSet: true })
    const mismatch = graphError(await reg(String(withPin["id"]), "123456"))
    expect(mismatch).toMatchObject({ code: 133005, message: "(#133005) Two step verification PIN Mismatch" })
    expect((await reg(String(withPin["id"]), "246810")).body).toEqual({ success: true })
    // The control sets (or removes) the PIN of an existing number, as its owner does in WhatsApp Manager.
    const seed = sandbox.summary().numbers.find((n) => n.verifiedName === "Sandbox Support")!
    expect(await control(`numbers/${seed.id}/pin`, { pin: "975310" })).toMatchObject({ pinSet: true })
    expect(graphError(await reg(seed.id, "123456"))["code"]).toBe(133005)
    expect(await control(`numbers/${seed.id}/pin`, { pin: null })).toMatchObject({ pinSet: false })
    expect((await reg(seed.id, "123456")).body).toEqual({ success: true })
    expect((await control(`numbers/${seed.id}/pin`, { pin: "12" }))["error"]).toBeDefined()

    const unverified = await control("seed/phone-number", { wabaId: waba, verified: false })
    expect(unverified["codeVerificationStatus"]).toBe("NOT_VERIFIED")
    expect(graphError(await reg(String(unverified["id"]), "123456"))["code"]).toBe(133006)
    expect(await control(`numbers/${unverified["id"]}/verify`, {})).toMatchObject({
      codeVerificationStatus: "VERIFIED"
    })
    expect((await reg(String(unverified["id"]), "123456")).body).toEqual({ success: true })
    expect((await fetch(`${sandbox.url}/_sandbox/numbers/1/verify`, { method: "POST" })).status).toBe(404)
  })

  it("fb_exchange_token renews a 60-day business token only with set_token_expires_in_60_days, until it expires", async () => {
    await control("config", { tokenExpiresIn60Days: true })
    const token = await connectWhatsApp(sandbox)
    const renew = (value: string, extra: Record<string, string> = {}) =>
      graph(sandbox, "GET", "/oauth/access_token", {
        query: {
          grant_type: "fb_exchange_token",
          client_id: APP_ID,
          client_secret: APP_SECRET,
          fb_exchange_token: value,
          ...extra
        }
      })
    expect(graphError(await renew(token))["code"]).toBe(100)
    const renewed = await renew(token, { set_token_expires_in_60_days: "true" })
    expect(renewed.status).toBe(200)
    expect(renewed.body["expires_in"]).toBe(60 * 86_400)
    const next = String(renewed.body["access_token"])
    expect(next).not.toBe(token)
    const info = await graph(sandbox, "GET", "/debug_token", { token: appToken, query: { input_token: next } })
    const data = info.body["data"] as Record<string, unknown>
    expect(data).toMatchObject({ type: "SYSTEM_USER", is_valid: true })
    expect(Number(data["expires_at"])).toBe(Math.floor(sandbox.ctx.nowMs() / 1000) + 60 * 86_400)
    // Once expired it cannot be renewed: the tenant reconnects.
    await control("clock", { advanceSeconds: 61 * 86_400 })
    expect(graphError(await renew(next, { set_token_expires_in_60_days: "true" }))["code"]).toBe(190)
  })

  it("sending from an unregistered number fails with 133010", async () => {
    const token = await connectWhatsApp(sandbox)
    const numberId = sandbox.summary().numbers.find((n) => !n.registered)!.id
    const send = await graph(sandbox, "POST", `/${numberId}/messages`, {
      token,
      json: { messaging_product: "whatsapp", to: "15550109999", type: "text", text: { body: "x" } }
    })
    expect(graphError(send)["code"]).toBe(133010)
  })
})

describe("failure injection", () => {
  it("http500 once, then normal", async () => {
    const token = await connectWhatsApp(sandbox)
    const waba = sandbox.ctx.state.seedWabaId
    await control("faults", { path: "/phone_numbers", kind: "http500" })
    const failed = await graph(sandbox, "GET", `/${waba}/phone_numbers`, { token })
    expect(failed.status).toBe(500)
    expectGraphShape(graphError(failed))
    expect((await graph(sandbox, "GET", `/${waba}/phone_numbers`, { token })).status).toBe(200)
  })

  it("rate limits answer 400 with the code and usage headers at 100", async () => {
    const token = await connectWhatsApp(sandbox)
    const waba = sandbox.ctx.state.seedWabaId
    await control("faults", { method: "POST", path: "subscribed_apps", kind: "rateLimit", code: 80007, times: 0 })
    for (let i = 0; i < 2; i++) {
      const limited = await graph(sandbox, "POST", `/${waba}/subscribed_apps`, { token })
      expect(limited.status).toBe(400)
      expect(graphError(limited)["code"]).toBe(80007)
      expect(JSON.parse(limited.headers.get("x-app-usage")!)).toMatchObject({ call_count: 100 })
      expect(limited.headers.get("x-business-use-case-usage")).toContain("estimated_time_to_regain_access")
    }
    await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" })
    await control("faults", { path: "/messages", kind: "rateLimit", code: 4, status: 429 })
    const four = await graph(sandbox, "POST", "/1/messages", { token })
    expect(four.status).toBe(429)
    expect(graphError(four)).toMatchObject({ code: 4, message: "(#4) Application request limit reached" })
  })

  it("hang: the request never answers until the caller aborts; the next one answers", async () => {
    await control("faults", { path: "/oauth/access_token", kind: "hang" })
    const aborter = new AbortController()
    let settled = false
    const outcome = graph(sandbox, "GET", "/oauth/access_token", { signal: aborter.signal })
      .then(
        () => "answered",
        (e: unknown) => (e instanceof Error ? e.name : "error")
      )
      .finally(() => {
        settled = true
      })
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(settled).toBe(false)
    aborter.abort()
    expect(await outcome).toBe("AbortError")
    // times: 1 is used up, so the next call answers (here with Graph's refusal of a bogus code).
    expect((await exchange(sandbox, "AQy")).status).toBe(400)
  })

  it("graphError injects any code", async () => {
    await control("faults", { path: "^/debug_token$", kind: "graphError", code: 190, subcode: 463, message: "expired" })
    const error = graphError(
      await graph(sandbox, "GET", "/debug_token", { query: { input_token: "x", access_token: appToken } })
    )
    expect(error).toMatchObject({ code: 190, error_subcode: 463, message: "expired" })
  })
})

describe("app-level credentials and system-user tokens", () => {
  it("DELETE /me/permissions refuses a system user's token (Embedded Signup's), which keeps working", async () => {
    const token = await connectWhatsApp(sandbox, { action: "approve", waba: "new", phone: "new" })
    const refused = await graph(sandbox, "DELETE", "/me/permissions", { token })
    expect(refused.status).toBe(400)
    expectGraphShape(graphError(refused))
    expect(graphError(refused)).toMatchObject({ code: 100, error_subcode: 33 })
    const me = await graph(sandbox, "GET", "/me", { token })
    expect(me.status).toBe(200)
  })

  it("rotate-secret: the old app token gets a top-level 190 on debug_token, the new one works, data speaks of the token", async () => {
    const token = await connectWhatsApp(sandbox, { action: "approve", waba: "new", phone: "new" })
    const rotated = await control("app/rotate-secret", {})
    expect(rotated["appId"]).toBe(APP_ID)
    const secret = String(rotated["secret"])
    expect(secret).not.toBe(APP_SECRET)
    const old = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    expect(old.status).toBe(400)
    expectGraphShape(graphError(old))
    expect(graphError(old)["code"]).toBe(190)
    const fresh = await graph(sandbox, "GET", "/debug_token", {
      query: { input_token: token, access_token: `${APP_ID}|${secret}` }
    })
    expect(fresh.status).toBe(200)
    expect((fresh.body["data"] as Record<string, unknown>)["is_valid"]).toBe(true)
    // The old secret no longer exchanges codes either; setting it back restores everything.
    const params = await submitDialog(sandbox, { action: "approve", waba: "new", phone: "new" })
    expect(graphError(await exchange(sandbox, params.get("code") ?? ""))["code"]).toBe(1)
    expect((await control("app/rotate-secret", { secret: APP_SECRET }))["secret"]).toBe(APP_SECRET)
    const back = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    expect(back.status).toBe(200)
  })
})
