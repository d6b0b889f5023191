import { describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import {
  ADS_REDIRECT,
  APP_ID,
  APP_SECRET,
  adsDialogQuery,
  appToken,
  connectWhatsApp,
  dialogQuery,
  exchange,
  expectedSignature,
  graph,
  graphError,
  type Receiver,
  sandboxEachTest,
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

describe("WhatsApp Embedded Signup, end to end", () => {
  it("dialog → code → token → debug_token → numbers → subscriptions → register → messages with signed statuses", async () => {
    // The dialog page is a usable form with stable names.
    const page = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${dialogQuery()}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    for (const needle of [
      'name="waba"',
      'name="phone"',
      'name="granted"',
      'id="approve"',
      'id="cancel"',
      "Sandbox User"
    ])
      expect(html).toContain(needle)

    const seedWaba = sandbox.ctx.state.seedWabaId
    const [firstNumber, secondNumber] = sandbox.summary().wabas.find((w) => w.id === seedWaba)!.phoneNumberIds
    const redirect = await submitDialog(sandbox, { action: "approve", waba: seedWaba, phone: secondNumber! })
    expect(redirect.get("state")).toBe("state-123")
    const code = redirect.get("code")!
    expect(code).not.toMatch(/^EAA/)

    const tokenResponse = await exchange(sandbox, code)
    expect(tokenResponse.status).toBe(200)
    const token = String(tokenResponse.body["access_token"])
    expect(token).toMatch(/^EAA[A-Za-z0-9]{100,}$/)
    expect(tokenResponse.body["token_type"]).toBe("bearer")
    expect(tokenResponse.body["expires_in"]).toBeUndefined()

    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    const data = debug.body["data"] as Record<string, unknown>
    expect(data["is_valid"]).toBe(true)
    expect(data["app_id"]).toBe(APP_ID)
    expect(data["expires_at"]).toBe(0)
    expect(data["type"]).toBe("SYSTEM_USER")
    expect(data["scopes"]).toEqual([
      "whatsapp_business_management",
      "whatsapp_business_messaging",
      "business_management"
    ])
    expect(data["granular_scopes"]).toContainEqual({ scope: "whatsapp_business_management", target_ids: [seedWaba] })

    const numbers = await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, {
      token,
      query: { fields: "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status" }
    })
    expect(numbers.status).toBe(200)
    expect(numbers.headers.get("x-app-usage")).toMatch(/call_count/)
    expect(numbers.headers.get("x-business-use-case-usage")).toMatch(/estimated_time_to_regain_access/)
    const list = numbers.body["data"] as Array<Record<string, unknown>>
    expect(list).toHaveLength(2)
    // Most recently onboarded first: the number chosen in the dialog.
    expect(list[0]!["id"]).toBe(secondNumber)
    expect(list[1]!["id"]).toBe(firstNumber)
    expect(String(list[0]!["display_phone_number"])).toMatch(/^\+1 555-010-\d{4}$/)
    expect(list[1]!["name_status"]).toBe("APPROVED")

    const one = await graph(sandbox, "GET", `/${firstNumber}`, { token })
    expect(one.body).toMatchObject({ id: firstNumber, code_verification_status: "VERIFIED", quality_rating: "GREEN" })

    const appSub = await graph(sandbox, "POST", `/${APP_ID}/subscriptions`, {
      token: appToken,
      query: {
        object: "whatsapp_business_account",
        callback_url: receiver.url,
        verify_token: VERIFY_TOKEN,
        fields: "messages,account_update"
      }
    })
    expect(appSub.body).toEqual({ success: true })
    const listed = await graph(sandbox, "GET", `/${APP_ID}/subscriptions`, { token: appToken })
    expect((listed.body["data"] as Array<Record<string, unknown>>)[0]!["callback_url"]).toBe(receiver.url)

    expect((await graph(sandbox, "POST", `/${seedWaba}/subscribed_apps`, { token })).body).toEqual({ success: true })
    const subscribed = await graph(sandbox, "GET", `/${seedWaba}/subscribed_apps`, { token })
    expect(subscribed.body["data"]).toEqual([{ whatsapp_business_api_data: expect.objectContaining({ id: APP_ID }) }])

    const register = await graph(sandbox, "POST", `/${secondNumber}/register`, {
      token,
      json: { messaging_product: "whatsapp", pin: "123456" }
    })
    expect(register.body).toEqual({ success: true })
    // Registering again with the same PIN is idempotent.
    expect(
      (
        await graph(sandbox, "POST", `/${secondNumber}/register`, {
          token,
          json: { messaging_product: "whatsapp", pin: "123456" }
        })
      ).body
    ).toEqual({ success: true })

    // The customer writes first: free-form text goes only inside the 24-hour customer service window.
    await fetch(`${sandbox.url}/_sandbox/inbound`, {
      method: "POST",
      body: JSON.stringify({ phoneNumberId: secondNumber, from: "15550109999", text: "Hello" })
    })
    await sandbox.webhooksIdle()
    receiver.received.length = 0
    const sent = await graph(sandbox, "POST", `/${secondNumber}/messages`, {
      token,
      json: {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "+1 555 010 9999",
        type: "text",
        text: { body: "Hi" }
      }
    })
    expect(sent.status).toBe(200)
    expect(sent.body["messaging_product"]).toBe("whatsapp")
    expect(sent.body["contacts"]).toEqual([{ input: "+1 555 010 9999", wa_id: "15550109999" }])
    const wamid = String((sent.body["messages"] as Array<Record<string, unknown>>)[0]!["id"])
    expect(wamid).toMatch(/^wamid\./)

    await sandbox.webhooksIdle()
    expect(receiver.received).toHaveLength(3)
    const statuses = receiver.received.map((r) => {
      expect(r.signature).toBe(expectedSignature(r.body))
      const entry = (
        r.payload as { entry: Array<{ id: string; changes: Array<{ field: string; value: Record<string, unknown> }> }> }
      ).entry[0]!
      expect(entry.id).toBe(seedWaba)
      const value = entry.changes[0]!.value
      expect(value["metadata"]).toMatchObject({ phone_number_id: secondNumber })
      const status = (value["statuses"] as Array<Record<string, unknown>>)[0]!
      expect(status["id"]).toBe(wamid)
      expect(status["recipient_id"]).toBe("15550109999")
      return status["status"]
    })
    expect(statuses).toEqual(["sent", "delivered", "read"])

    // Disconnect: unsubscribe; `/me/permissions` is a user-token call and refuses this system user's token.
    expect((await graph(sandbox, "DELETE", `/${seedWaba}/subscribed_apps`, { token })).body).toEqual({ success: true })
    const refused = await graph(sandbox, "DELETE", "/me/permissions", { token })
    expect(refused.status).toBe(400)
    expect(graphError(refused)).toMatchObject({ code: 100, error_subcode: 33 })
    const after = await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, { token })
    expect(after.status).toBe(200)
  })

  it("waba=new creates a WABA with one new number; phone=new adds a number to an existing WABA", async () => {
    const token = await connectWhatsApp(sandbox, { action: "approve", waba: "new", phone: "new" })
    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    const granular = (debug.body["data"] as { granular_scopes: Array<{ scope: string; target_ids: Array<string> }> })
      .granular_scopes
    const wabaId = granular.find((g) => g.scope === "whatsapp_business_management")!.target_ids[0]!
    expect(wabaId).not.toBe(sandbox.ctx.state.seedWabaId)
    expect(wabaId).toMatch(/^\d{15,16}$/)
    const numbers = await graph(sandbox, "GET", `/${wabaId}/phone_numbers`, {
      token,
      query: { fields: "id,name_status" }
    })
    expect(numbers.body["data"]).toEqual([{ id: expect.stringMatching(/^\d{15,16}$/), name_status: "PENDING_REVIEW" }])

    const seedWaba = sandbox.ctx.state.seedWabaId
    const token2 = await connectWhatsApp(sandbox, { action: "approve", waba: seedWaba, phone: "new" })
    const seedNumbers = await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, { token: token2 })
    expect(seedNumbers.body["data"]).toHaveLength(3)
    // The first token cannot read the other WABA.
    const denied = await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, { token })
    expect((denied.body["error"] as Record<string, unknown>)["code"]).toBe(100)
  })

  it("a control switches new business tokens to 60-day expiry", async () => {
    await fetch(`${sandbox.url}/_sandbox/config`, {
      method: "POST",
      body: JSON.stringify({ tokenExpiresIn60Days: true })
    })
    const params = await submitDialog(sandbox)
    const response = await exchange(sandbox, params.get("code")!)
    expect(response.body["expires_in"]).toBe(5_184_000)
    const debug = await graph(sandbox, "GET", "/debug_token", {
      query: { input_token: String(response.body["access_token"]), access_token: appToken }
    })
    const expiresAt = (debug.body["data"] as Record<string, number>)["expires_at"]!
    expect(expiresAt - Math.floor(Date.now() / 1000)).toBeGreaterThan(5_180_000)
  })

  it("a control makes business tokens full-access system users: debug_token lists no target_ids, reads still work", async () => {
    await fetch(`${sandbox.url}/_sandbox/config`, {
      method: "POST",
      body: JSON.stringify({ fullAccessSystemUsers: true })
    })
    const params = await submitDialog(sandbox)
    const token = String((await exchange(sandbox, params.get("code")!)).body["access_token"])
    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    const granular = (debug.body["data"] as { granular_scopes: Array<Record<string, unknown>> }).granular_scopes
    expect(granular).toContainEqual({ scope: "whatsapp_business_management" })
    expect(granular.every((g) => !("target_ids" in g))).toBe(true)
    const seedWaba = sandbox.ctx.state.seedWabaId
    const numbers = await graph(sandbox, "GET", `/${seedWaba}/phone_numbers`, { token })
    expect(numbers.status).toBe(200)
  })

  it("GET /me for a business token", async () => {
    const token = await connectWhatsApp(sandbox)
    const me = await graph(sandbox, "GET", "/me", { token, query: { fields: "id,name,client_business_id" } })
    expect(me.body["client_business_id"]).toBe(sandbox.ctx.state.seedBusinessId)
    expect(me.body["id"]).toMatch(/^\d{15,16}$/)
  })
})

describe("Meta Ads login", () => {
  it("a scope-only login is refused with Meta's page: the app is a Business app (Facebook Login for Business)", async () => {
    const query = new URLSearchParams({
      client_id: APP_ID,
      redirect_uri: ADS_REDIRECT,
      state: "ads-state",
      response_type: "code",
      scope: "ads_management,ads_read,business_management"
    })
    const page = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`)
    expect(page.status).toBe(400)
    expect(await page.text()).toContain("It looks like this app isn&#39;t available")
    const posted = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
      redirect: "manual"
    })
    expect(posted.status).toBe(400)
  })

  it("the Ads configuration: a user token → fb_exchange_token → businesses, every page of ad accounts, /me/adaccounts", async () => {
    const query = adsDialogQuery()
    const page = await (await fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`)).text()
    expect(page).not.toContain('name="waba"')
    for (const scope of ["ads_management", "ads_read", "business_management"]) expect(page).toContain(scope)
    // As on Meta, a configuration's permissions are granted together: a form naming fewer changes nothing.
    const params = await submitDialog(sandbox, { action: "approve", granted: "ads_read" }, query)
    expect(params.get("state")).toBe("ads-state")
    const short = await exchange(sandbox, params.get("code")!, ADS_REDIRECT)
    expect(short.body["expires_in"]).toBe(7200)
    const long = await graph(sandbox, "GET", "/oauth/access_token", {
      query: {
        grant_type: "fb_exchange_token",
        client_id: APP_ID,
        client_secret: APP_SECRET,
        fb_exchange_token: String(short.body["access_token"])
      }
    })
    expect(long.body["expires_in"]).toBe(5_184_000)
    const token = String(long.body["access_token"])
    expect(token).toMatch(/^EAA[A-Za-z0-9]{100,}$/)
    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    const data = debug.body["data"] as Record<string, unknown>
    expect(data["type"]).toBe("USER")
    expect(data["scopes"]).toEqual(expect.arrayContaining(["ads_management", "ads_read", "business_management"]))
    expect(Number(data["data_access_expires_at"])).toBeGreaterThan(Number(data["issued_at"]) + 89 * 86400)

    const me = await graph(sandbox, "GET", "/me", { token })
    expect(me.body["name"]).toBe("Sandbox User")
    const businesses = (await graph(sandbox, "GET", "/me/businesses", { token, query: { fields: "id,name" } })).body[
      "data"
    ] as Array<{ id: string; name: string }>
    expect(businesses).toHaveLength(2)
    const fields = "id,account_id,name,currency,account_status"
    const owned = await graph(sandbox, "GET", `/${businesses[0]!.id}/owned_ad_accounts`, { token, query: { fields } })
    const accounts = owned.body["data"] as Array<Record<string, unknown>>
    expect(accounts).toHaveLength(2)
    expect(accounts[0]).toMatchObject({ id: expect.stringMatching(/^act_\d+$/), currency: "USD", account_status: 1 })
    expect(accounts[0]!["id"]).toBe(`act_${accounts[0]!["account_id"]}`)
    expect(owned.body["paging"]).not.toHaveProperty("next")

    // The agency's client accounts are more than a page (25): paging.next and the after cursor reach the rest.
    const first = await graph(sandbox, "GET", `/${businesses[1]!.id}/client_ad_accounts`, { token, query: { fields } })
    expect(first.body["data"]).toHaveLength(25)
    const paging = first.body["paging"] as { cursors: { after: string }; next: string }
    const next = new URL(paging.next)
    expect(next.pathname).toBe(`/v24.0/${businesses[1]!.id}/client_ad_accounts`)
    expect(next.searchParams.get("after")).toBe(paging.cursors.after)
    expect(next.searchParams.has("access_token")).toBe(false)
    const second = await graph(sandbox, "GET", `/${businesses[1]!.id}/client_ad_accounts`, {
      token,
      query: { fields, after: paging.cursors.after }
    })
    expect(second.body["data"]).toHaveLength(3)
    expect(second.body["paging"]).not.toHaveProperty("next")
    const all = [...(first.body["data"] as Array<{ id: string }>), ...(second.body["data"] as Array<{ id: string }>)]
    expect(new Set(all.map((a) => a.id)).size).toBe(28)
    const small = await graph(sandbox, "GET", `/${businesses[1]!.id}/client_ad_accounts`, {
      token,
      query: { fields, limit: "10" }
    })
    expect(small.body["data"]).toHaveLength(10)

    // The person's own accounts, and the business account assigned to them (listed twice across edges).
    const mine = await graph(sandbox, "GET", "/me/adaccounts", { token, query: { fields } })
    const mineIds = (mine.body["data"] as Array<{ id: string }>).map((a) => a.id)
    expect(mineIds).toHaveLength(2)
    expect(mineIds).toContain(accounts[0]!["id"])

    const one = await graph(sandbox, "GET", `/${String(accounts[0]!["id"])}`, {
      token,
      query: { fields: "account_status,name,currency" }
    })
    expect(one.body).toMatchObject({ id: accounts[0]!["id"], account_status: 1, currency: "USD" })
    expect(one.headers.get("x-ad-account-usage")).toContain("acc_id_util_pct")
  })

  it("a user token expires on the movable clock", async () => {
    const params = await submitDialog(sandbox, { action: "approve" }, adsDialogQuery())
    const token = String((await exchange(sandbox, params.get("code")!, ADS_REDIRECT)).body["access_token"])
    expect((await graph(sandbox, "GET", "/me", { token })).status).toBe(200)
    sandbox.advanceClock(7201)
    const expired = await graph(sandbox, "GET", "/me", { token })
    expect(expired.body["error"]).toMatchObject({ code: 190, error_subcode: 463, type: "OAuthException" })
  })
})

describe("Meta Ads tokens over time", () => {
  const longLived = async (token: string) =>
    graph(sandbox, "GET", "/oauth/access_token", {
      query: { grant_type: "fb_exchange_token", client_id: APP_ID, client_secret: APP_SECRET, fb_exchange_token: token }
    })
  const debug = async (token: string) =>
    (await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })).body[
      "data"
    ] as Record<string, unknown>

  it("a long-lived token is renewed by fb_exchange_token, keeping its data access; after 90 days it is not", async () => {
    const params = await submitDialog(sandbox, { action: "approve" }, adsDialogQuery())
    const short = String((await exchange(sandbox, params.get("code")!, ADS_REDIRECT)).body["access_token"])
    const first = String((await longLived(short)).body["access_token"])
    const dataAccess = Number((await debug(first))["data_access_expires_at"])
    sandbox.advanceClock(50 * 86400)
    const renewed = await longLived(first)
    expect(renewed.body["expires_in"]).toBe(5_184_000)
    const second = String(renewed.body["access_token"])
    const info = await debug(second)
    expect(info["is_valid"]).toBe(true)
    expect(Math.abs(Number(info["expires_at"]) - (Math.floor(sandbox.ctx.nowMs() / 1000) + 5_184_000))).toBeLessThan(3)
    expect(Number(info["data_access_expires_at"])).toBe(dataAccess)
    sandbox.advanceClock(41 * 86400)
    const refused = await longLived(second)
    expect(refused.body["error"]).toMatchObject({ code: 190, error_subcode: 463 })
  })

  it("POST /_sandbox/revoke-permission removes one permission from the person's tokens", async () => {
    const params = await submitDialog(sandbox, { action: "approve" }, adsDialogQuery())
    const token = String((await exchange(sandbox, params.get("code")!, ADS_REDIRECT)).body["access_token"])
    const response = await fetch(`${sandbox.url}/_sandbox/revoke-permission`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ permission: "ads_management" })
    })
    expect(await response.json()).toEqual({ changed: 1 })
    expect((await debug(token))["scopes"]).not.toContain("ads_management")
    expect((await debug(token))["is_valid"]).toBe(true)
  })
})

describe("dialog for people", () => {
  it("the redirect is Meta's 302 with #_=_ and the original state", async () => {
    const response = await fetch(`${sandbox.url}/v24.0/dialog/oauth?${dialogQuery()}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve&granted=whatsapp_business_management&granted=whatsapp_business_messaging&granted_submitted=1",
      redirect: "manual"
    })
    expect(response.status).toBe(302)
    const location = response.headers.get("location")!
    expect(location.startsWith(`${WA_REDIRECT}?code=`)).toBe(true)
    expect(location.endsWith("#_=_")).toBe(true)
    const code = new URL(location).searchParams.get("code")!
    const token = String((await exchange(sandbox, code)).body["access_token"])
    const debug = await graph(sandbox, "GET", "/debug_token", { query: { input_token: token, access_token: appToken } })
    // The configuration's permissions are granted together: the unticked business_management is granted too.
    expect((debug.body["data"] as Record<string, unknown>)["scopes"]).toEqual([
      "whatsapp_business_management",
      "whatsapp_business_messaging",
      "business_management"
    ])
  })
})
