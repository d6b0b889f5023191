import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { RunningSandbox } from "./Sandbox.ts"
import {
  APP_ID,
  APP_SECRET,
  CONFIG_ID,
  exchange,
  graph,
  graphError,
  start,
  submitDialog,
  WA_REDIRECT
} from "./testkit.ts"

const OPENER = new URL(WA_REDIRECT).origin

let sandbox: RunningSandbox
beforeEach(async () => {
  sandbox = await start()
})
afterEach(() => sandbox.close())

/** What FB.login opens: the dialog as a popup, no redirect_uri, the opener's origin. */
const popupQuery = (extra: Record<string, string> = {}) =>
  new URLSearchParams({
    client_id: APP_ID,
    display: "popup",
    origin: OPENER,
    response_type: "code",
    override_default_response_type: "true",
    config_id: CONFIG_ID,
    sdk: "joey",
    extras: JSON.stringify({ setup: {}, sessionInfoVersion: "3" }),
    ...extra
  })

interface PopupAnswer {
  readonly sessionInfo: { type: string; event: string; data: Record<string, unknown> }
  readonly authResponse: { code: string } | null
  readonly origin: string
}

/** The scripted popup: the same POST as the consent form, asking for what the page would post to the opener. */
const submitPopup = async (fields: Record<string, string>, query = popupQuery()): Promise<PopupAnswer> => {
  const response = await fetch(`${sandbox.url}/v25.0/dialog/oauth?${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(fields).toString()
  })
  expect(response.status).toBe(200)
  return (await response.json()) as PopupAnswer
}

const exchangeWithout = (code: string, extra: Record<string, string> = {}) =>
  graph(sandbox, "GET", "/oauth/access_token", {
    query: { client_id: APP_ID, client_secret: APP_SECRET, code, ...extra }
  })

const seedNumbers = () => {
  const waba = sandbox.ctx.state.seedWabaId
  return { waba, numbers: sandbox.summary().wabas.find((w) => w.id === waba)!.phoneNumberIds }
}

describe("the JS SDK stand-in and the popup dialog", () => {
  it("serves sdk.js with FB.init and FB.login, opening the dialog as a popup from its own origin", async () => {
    const response = await fetch(`${sandbox.url}/sdk.js`)
    expect(response.status).toBe(200)
    expect(response.headers.get("content-type")).toContain("javascript")
    // The page loads it with crossorigin="anonymous", as Meta's snippet does.
    expect(response.headers.get("access-control-allow-origin")).toBe("*")
    const script = await response.text()
    expect(script).toContain("FB = {")
    expect(script).toContain('display: "popup"')
    expect(script).toContain(JSON.stringify(sandbox.url))
  })

  it("shows the consent form in a popup only for an allowed opener origin", async () => {
    const page = await fetch(`${sandbox.url}/v25.0/dialog/oauth?${popupQuery()}`)
    expect(page.status).toBe(200)
    const html = await page.text()
    expect(html).toContain('id="oauth-form"')
    expect(html).toContain("pagehide")
    const foreign = await fetch(`${sandbox.url}/v25.0/dialog/oauth?${popupQuery({ origin: "https://evil.example" })}`)
    expect(foreign.status).toBe(400)
    expect(await foreign.text()).toContain("included in the app&#39;s domains")
  })

  it("approving posts FINISH with the WABA, the number and the business to the opener's exact origin", async () => {
    const { waba, numbers } = seedNumbers()
    const page = await fetch(`${sandbox.url}/v25.0/dialog/oauth?${popupQuery()}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ action: "approve", waba, phone: numbers[1]! }).toString()
    })
    const html = await page.text()
    expect(html).toContain(`${JSON.stringify(OPENER)});`)
    expect(html).not.toContain('"*"')
    const answer = await submitPopup({ action: "approve", waba, phone: numbers[1]! })
    expect(answer.origin).toBe(OPENER)
    expect(answer.sessionInfo).toEqual({
      type: "WA_EMBEDDED_SIGNUP",
      event: "FINISH",
      version: 3,
      data: { waba_id: waba, phone_number_id: numbers[1], business_id: sandbox.ctx.state.seedBusinessId }
    })
    expect(answer.authResponse?.code).toMatch(/^AQ/)
  })

  it("a popup code is exchanged without redirect_uri (or an empty one), once", async () => {
    const first = await submitPopup({ action: "approve" })
    const ok = await exchangeWithout(first.authResponse!.code)
    expect(ok.status).toBe(200)
    expect(String(ok.body["access_token"])).toMatch(/^EAA/)
    const again = await exchangeWithout(first.authResponse!.code)
    expect(graphError(again)["error_subcode"]).toBe(36009)

    const second = await submitPopup({ action: "approve" })
    expect((await exchangeWithout(second.authResponse!.code, { redirect_uri: "" })).status).toBe(200)
  })

  it("refuses a popup code exchanged WITH a redirect_uri, without spending it", async () => {
    const answer = await submitPopup({ action: "approve" })
    const refused = await exchange(sandbox, answer.authResponse!.code, WA_REDIRECT)
    expect(refused.status).toBe(400)
    expect(graphError(refused)).toMatchObject({ code: 100, error_subcode: 36008 })
    expect((await exchangeWithout(answer.authResponse!.code)).status).toBe(200)
  })

  it("refuses a popup code used after 30 seconds (the movable clock)", async () => {
    const answer = await submitPopup({ action: "approve" })
    const moved = await fetch(`${sandbox.url}/_sandbox/clock`, {
      method: "POST",
      body: JSON.stringify({ advanceSeconds: 31 })
    })
    expect(moved.status).toBe(200)
    const late = await exchangeWithout(answer.authResponse!.code)
    expect(graphError(late)).toMatchObject({ code: 100, error_subcode: 36007 })
  })

  it("a redirect code still needs the byte-identical redirect_uri", async () => {
    const code = (await submitDialog(sandbox)).get("code")!
    expect(graphError(await exchangeWithout(code))["error_subcode"]).toBe(36008)
    expect(graphError(await exchangeWithout(code, { redirect_uri: "" }))["error_subcode"]).toBe(36008)
    expect((await exchange(sandbox, code)).status).toBe(200)
  })

  it("cancel posts CANCEL with the current step and no code", async () => {
    const answer = await submitPopup({ action: "cancel" })
    expect(answer.sessionInfo).toMatchObject({ event: "CANCEL", data: { current_step: "WABA_PHONE_PROFILE_PICKER" } })
    expect(answer.authResponse).toBeNull()
  })

  it("no number chosen is FINISH_ONLY_WABA; Coexistence names the WABA only", async () => {
    const { waba } = seedNumbers()
    const only = await submitPopup({ action: "approve", waba, phone: "none" })
    expect(only.sessionInfo).toMatchObject({ event: "FINISH_ONLY_WABA", data: { waba_id: waba } })
    expect(only.sessionInfo.data).not.toHaveProperty("phone_number_id")
    const coexistence = await submitPopup(
      { action: "approve", waba },
      popupQuery({ extras: JSON.stringify({ setup: {}, featureType: "whatsapp_business_app_onboarding" }) })
    )
    expect(coexistence.sessionInfo).toEqual({
      type: "WA_EMBEDDED_SIGNUP",
      event: "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
      version: 3,
      data: { waba_id: waba }
    })
  })
})
