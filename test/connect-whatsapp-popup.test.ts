import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"

let stack: Stack
let service: RunningService
let sandboxUrl: string
let http: ReturnType<typeof client>

interface Popup {
  readonly sessionInfo: { type: string; event: string; data: Record<string, string> }
  readonly authResponse: { code: string } | null
}

const seed = async () => {
  const state = (await fetch(`${sandboxUrl}/_sandbox/state`).then((r) => r.json())) as {
    wabas: Array<{ id: string; phoneNumberIds: Array<string> }>
  }
  return state.wabas
}

/** Start, then what FB.login does: the popup dialog, approved (scripted: the JSON the page would be posted). */
const popupLogin = async (token: string, fields: Record<string, string>) => {
  const started = await http.api(token, "POST", "/api/integrations/meta/whatsapp/start")
  expect(started.status).toBe(200)
  const { state } = (await started.json()) as { state: string }
  const cookie = started.headers
    .getSetCookie()
    .map((c) => c.split(";")[0]!)
    .join("; ")
  const query = new URLSearchParams({
    client_id: ((await clientConfig())["meta"] as Record<string, string>)["appId"]!,
    display: "popup",
    origin: new URL(service.url).origin,
    response_type: "code",
    override_default_response_type: "true",
    config_id: ((await clientConfig())["meta"] as Record<string, string>)["configId"]!,
    extras: JSON.stringify({ setup: {}, sessionInfoVersion: "3" })
  })
  const answered = await fetch(`${sandboxUrl}/v25.0/dialog/oauth?${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
    body: new URLSearchParams(fields).toString()
  })
  expect(answered.status).toBe(200)
  return { state, cookie, popup: (await answered.json()) as Popup }
}

let config: Record<string, unknown> | undefined
const clientConfig = async () => {
  config ??= (await (await fetch(`${service.url}/api/client-config`)).json()) as Record<string, unknown>
  return config
}

const complete = (token: string, cookie: string, body: unknown) =>
  fetch(`${service.url}/api/integrations/meta/whatsapp/complete`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", cookie },
    body: JSON.stringify(body)
  })

const status = async (token: string) =>
  (await (await http.api(token, "GET", "/api/integrations/meta/whatsapp/status")).json()) as Record<string, unknown>

beforeAll(async () => {
  stack = await startStack("popup", { LOG_LEVEL: "warn" })
  ;({ service, sandboxUrl } = stack)
  http = client(service.url)
}, 60_000)

afterAll(async () => {
  await service?.stop()
})

describe("Connect WhatsApp through the JS SDK popup (POST /complete)", () => {
  it("the number picked in Meta's dialog is connected, with no second picker", async () => {
    const { token } = await http.session("popup-picks-second")
    const [waba] = await seed()
    const second = waba!.phoneNumberIds[1]!
    const { state, cookie, popup } = await popupLogin(token, { action: "approve", waba: waba!.id, phone: second })
    expect(popup.sessionInfo.event).toBe("FINISH")
    const response = await complete(token, cookie, {
      state,
      code: popup.authResponse!.code,
      sessionInfo: JSON.stringify(popup.sessionInfo)
    })
    expect(response.status).toBe(200)
    const body = (await response.json()) as { outcome: string; connection: Record<string, unknown> }
    expect(body.outcome).toBe("connected")
    expect(body.connection).toMatchObject({ connected: true, status: "active", displayName: "Sandbox Support" })
    expect(body.connection["pendingReason"]).toBeNull()
    // The same state again is spent.
    const replay = await complete(token, cookie, { state, code: popup.authResponse!.code, sessionInfo: null })
    expect(((await replay.json()) as { reason: string }).reason).toBe("state_used")
  }, 30_000)

  it("session info naming a WABA or a number the token cannot read is refused with nothing stored", async () => {
    // Another WABA of the same person, with its own number, that the next login does not grant.
    const { token: setup } = await http.session("popup-other-waba")
    const created = await popupLogin(setup, { action: "approve", waba: "new", phone: "new" })
    const otherWaba = created.popup.sessionInfo.data["waba_id"]!
    const otherNumber = created.popup.sessionInfo.data["phone_number_id"]!
    const [seedWaba] = await seed()

    for (const [what, data] of [
      ["WABA", { waba_id: otherWaba, phone_number_id: otherNumber }],
      ["number", { waba_id: seedWaba!.id, phone_number_id: otherNumber }]
    ] as const) {
      const { token } = await http.session(`popup-mismatch-${what}`)
      const { state, cookie, popup } = await popupLogin(token, {
        action: "approve",
        waba: seedWaba!.id,
        phone: seedWaba!.phoneNumberIds[0]!
      })
      const forged = { ...popup.sessionInfo, data: { ...popup.sessionInfo.data, ...data } }
      const response = await complete(token, cookie, { state, code: popup.authResponse!.code, sessionInfo: forged })
      const body = (await response.json()) as { outcome: string; reason: string }
      expect(body, what).toMatchObject({ outcome: "error", reason: "session_mismatch" })
      expect((await status(token))["status"], what).toBe("not_connected")
    }
  }, 30_000)

  it("a cancel in Meta's window, reported by the page, ends the flow as cancelled: the service knows it", async () => {
    const { token } = await http.session("popup-cancel")
    const { state, cookie, popup } = await popupLogin(token, { action: "cancel" })
    expect(popup.sessionInfo.event).toBe("CANCEL")
    const response = await complete(token, cookie, { state, code: null, sessionInfo: popup.sessionInfo })
    expect(await response.json()).toMatchObject({ outcome: "error", reason: "cancelled" })
    // This flow's binding is ended on both paths.
    const expired = response.headers.getSetCookie()
    expect(expired).toHaveLength(2)
    expect(expired.every((c) => /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c))).toBe(true)
    // The state is spent: the same login cannot be finished afterwards.
    const again = await complete(token, cookie, { state, code: "x", sessionInfo: null })
    expect(((await again.json()) as { reason: string }).reason).toBe("state_used")
    const query = `{ auditLog(first: 5) { ... on AuditLogSuccess { entries { edges { node { action details } } } } } }`
    const audit = (await (await http.api(token, "POST", "/graphql", { query })).json()) as {
      data: { auditLog: { entries: { edges: Array<{ node: { action: string; details: unknown } }> } } }
    }
    const failed = audit.data.auditLog.entries.edges
      .map((e) => e.node)
      .find((n) => n.action === "whatsapp.connect_failed")
    expect(JSON.parse(String(failed?.details))).toEqual({ reason: "cancelled", error: "OAuthCancelled" })
  }, 30_000)

  it("without the browser binding cookie the completion is refused", async () => {
    const { token } = await http.session("popup-no-cookie")
    const { state, popup } = await popupLogin(token, { action: "approve" })
    const response = await complete(token, "", {
      state,
      code: popup.authResponse!.code,
      sessionInfo: popup.sessionInfo
    })
    expect(((await response.json()) as { reason: string }).reason).toBe("state_invalid")
  }, 30_000)
})
