import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"

let stack: Stack
let service: RunningService
let sandboxUrl: string
let http: ReturnType<typeof client>

const control = (path: string, body?: unknown, method?: string) => stack.control(path, body, method)
const sandboxState = () =>
  fetch(`${sandboxUrl}/_sandbox/state`).then((r) => r.json()) as Promise<{
    wabas: Array<{
      id: string
      subscribedApps?: ReadonlyArray<string>
      phoneNumbers?: ReadonlyArray<{ id: string }>
      phoneNumberIds: ReadonlyArray<string>
    }>
  }>
const reason = (location: string) => new URL(location).searchParams
const status = async (token: string) => {
  const response = await http.api(token, "GET", "/api/integrations/meta/whatsapp/status")
  const body = (await response.json()) as Record<string, unknown>
  if (response.status !== 200) throw new Error(`status: ${response.status} ${JSON.stringify(body)}`)
  return body
}
const newNumber = { action: "approve", waba: "new", phone: "new" }
const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
  const response = await http.api(token, "POST", "/graphql", { query, variables })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
  if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
  return body.data!
}
const CONVERSATIONS = `{ conversations(first: 10) { edges { node { waId contactName
  messages(first: 20) { edges { node { direction text status providerMessageId } } } } } } }`
type Conversations = {
  conversations: {
    edges: Array<{
      node: { waId: string; contactName: string | null; messages: { edges: Array<{ node: Record<string, string> }> } }
    }>
  }
}

beforeAll(async () => {
  stack = await startStack("connect", {
    LOG_LEVEL: "warn",
    TOKEN_HEALTH_INTERVAL_SECONDS: "1"
  })
  ;({ service, sandboxUrl } = stack)
  http = client(service.url)
}, 60_000)

afterAll(async () => {
  await service?.stop()
})

describe("Connect WhatsApp through the sandbox's Embedded Signup", () => {
  it("connecting never touches the app's webhook callback: a failing check of it blocks nothing", async () => {
    // It used to be ensured (GET, then POST with this service's URL) by the first connect: a failure was meta_error.
    const { token } = await http.session("failing-subscriptions")
    await control("faults", { path: "/subscriptions", kind: "http500", times: 0 })
    try {
      const result = await http.connect(token, newNumber)
      expect(reason(result.location).get("whatsapp")).toBe("connected")
    } finally {
      await control("faults", undefined, "DELETE")
    }
  }, 30_000)

  for (const [call, path] of [
    ["code exchange", "/oauth/access_token"],
    ["debug_token", "/debug_token"],
    ["phone numbers", "/phone_numbers"],
    ["WABA subscription", "/subscribed_apps"],
    ["registration", "/register"]
  ] as const) {
    it(`a failing ${call} is meta_error and writes nothing`, async () => {
      const { token } = await http.session(`failing${path.replaceAll("/", "-")}`)
      await control("faults", { path, kind: "http500", times: 0 })
      try {
        const result = await http.connect(token, newNumber)
        expect(reason(result.location).get("reason")).toBe("meta_error")
        expect((await status(token))["status"]).toBe("not_connected")
      } finally {
        await control("faults", undefined, "DELETE")
      }
      // Starting again works once Meta answers.
      const again = await http.connect(token, newNumber)
      expect(reason(again.location).get("whatsapp")).toBe("connected")
    }, 30_000)
  }

  it("start → dialog → approve → callback → connected; the same callback replayed is state_used", async () => {
    const { token } = await http.session("acme")
    expect((await status(token))["status"]).toBe("not_connected")
    const result = await http.connect(token, newNumber)
    expect(result.status).toBe(302)
    expect(result.location).toBe(`${service.url}/settings/integrations?whatsapp=connected`)
    const connected = await status(token)
    expect(connected).toMatchObject({ connected: true, status: "active" })
    expect(connected["phoneNumberE164"]).toMatch(/^\+1555\d{7}$/)
    expect(JSON.stringify(connected)).not.toMatch(/EAA[A-Za-z0-9]{20,}/)
    expect(result.authUrl).toContain("config_id=")
    // With a config_id no scope is sent (FLB: "config_id has replaced scope").
    expect(result.authUrl).not.toContain("scope=")

    const replay = await fetch(result.callbackUrl, { headers: { cookie: result.cookie }, redirect: "manual" })
    expect(reason(replay.headers.get("location")!).get("reason")).toBe("state_used")
    // The callback expired the binding cookie: the browser's own replay (back button, reload) comes without it.
    const browserReplay = await fetch(result.callbackUrl, { redirect: "manual" })
    expect(reason(browserReplay.headers.get("location")!).get("reason")).toBe("state_used")
    expect((await status(token))["status"]).toBe("active")
  })

  it("two tabs that both start and both approve each end in a clear outcome; the later one updates the same row", async () => {
    const { token } = await http.session("two-tabs")
    /** One tab's start: its state, its dialog, and the binding cookies the browser keeps for the callback path. */
    const start = async () => {
      const started = await http.api(token, "POST", "/api/integrations/meta/whatsapp/start")
      const { authUrl, state } = (await started.json()) as { authUrl: string; state: string }
      const cookies = started.headers.getSetCookie()
      const forCallback = cookies.filter((c) => /Path=\/api\/integrations\/meta\/whatsapp\/callback/.test(c))
      expect(forCallback).toHaveLength(1)
      return { authUrl, state, cookie: forCallback[0]!.split(";")[0]! }
    }
    const approve = async (authUrl: string, dialog: Record<string, string>) => {
      const answered = await fetch(authUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(dialog).toString(),
        redirect: "manual"
      })
      return answered.headers.get("location")!
    }
    const tabA = await start()
    const tabB = await start()
    // Each started flow has its own cookie: the second start did not overwrite the first.
    expect(tabA.cookie.split("=")[0]).not.toBe(tabB.cookie.split("=")[0])
    const jar = new Map([tabA.cookie, tabB.cookie].map((c) => [c.split("=")[0]!, c] as const))
    const back = async (callbackUrl: string) => {
      const answer = await fetch(callbackUrl, { headers: { cookie: [...jar.values()].join("; ") }, redirect: "manual" })
      for (const expired of answer.headers.getSetCookie()) jar.delete(expired.split("=")[0]!)
      return answer.headers.get("location")!
    }
    const firstBack = await back(await approve(tabA.authUrl, newNumber))
    expect(reason(firstBack).get("whatsapp")).toBe("connected")
    // Tab A's callback ended tab A's flow only.
    expect([...jar.keys()]).toEqual([tabB.cookie.split("=")[0]])
    const first = (await graphql(token, "{ whatsappConnection { id phoneNumberId status } }"))[
      "whatsappConnection"
    ] as {
      id: string
      phoneNumberId: string
    }
    // Tab B approves the same WABA and number: it updates the row tab A wrote.
    const waba = (await sandboxState()).wabas.find((w) => w.phoneNumberIds.includes(first.phoneNumberId))!
    const secondBack = await back(
      await approve(tabB.authUrl, { action: "approve", waba: waba.id, phone: first.phoneNumberId })
    )
    expect(reason(secondBack).get("whatsapp")).toBe("connected")
    expect(jar.size).toBe(0)
    expect((await graphql(token, "{ whatsappConnection { id phoneNumberId status } }"))["whatsappConnection"]).toEqual({
      ...first,
      status: "ACTIVE"
    })
  })

  it("a full-access system user's token (no target_ids): the redirect reconnects the WABA the workspace has", async () => {
    const { token } = await http.session("full-access")
    expect(reason((await http.connect(token, newNumber)).location).get("whatsapp")).toBe("connected")
    const first = (await graphql(token, "{ whatsappConnection { id wabaId phoneNumberId } }"))[
      "whatsappConnection"
    ] as { id: string; wabaId: string; phoneNumberId: string }
    await control("config", { fullAccessSystemUsers: true })
    try {
      // Reconnect through the redirect, approving the same account and number: debug_token lists no target_ids.
      const again = await http.connect(token, { action: "approve", waba: first.wabaId, phone: first.phoneNumberId })
      expect(reason(again.location).get("whatsapp")).toBe("connected")
      expect(
        (await graphql(token, "{ whatsappConnection { id wabaId phoneNumberId } }"))["whatsappConnection"]
      ).toEqual(first)
      // A workspace with no WABA yet: the redirect names none and the token lists none, so it is refused.
      const other = await http.session("full-access-new")
      const refused = await http.connect(other.token, newNumber)
      expect(reason(refused.location).get("reason")).toBe("missing_permissions")
    } finally {
      await control("config", { fullAccessSystemUsers: false })
    }
  })

  it("cancelling in the dialog comes back as cancelled", async () => {
    const { token } = await http.session("cancel-co")
    const result = await http.connect(token, { action: "cancel" })
    expect(reason(result.location).get("whatsapp")).toBe("error")
    expect(reason(result.location).get("reason")).toBe("cancelled")
    expect((await status(token))["status"]).toBe("not_connected")
  })

  it("a callback without the browser's state cookie is refused as state_invalid, and the state stays usable", async () => {
    const { token } = await http.session("other-browser")
    const result = await http.connect(token, newNumber, { cookie: false })
    expect(reason(result.location).get("reason")).toBe("state_invalid")
    expect((await status(token))["status"]).toBe("not_connected")
  })

  it("a configuration without a permission is missing_permissions, and the connection says which", async () => {
    const { token } = await http.session("partial-grant")
    // A configuration's permissions cannot be unticked (FLB): an operator edited it and dropped messaging.
    await control("app/configuration", {
      which: "whatsapp",
      permissions: ["whatsapp_business_management", "business_management"]
    })
    let result: Awaited<ReturnType<typeof http.connect>>
    try {
      result = await http.connect(token, newNumber)
    } finally {
      await control("app/configuration", {
        which: "whatsapp",
        permissions: ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]
      })
    }
    expect(reason(result.location).get("reason")).toBe("missing_permissions")
    const view = await status(token)
    expect(view["status"]).toBe("error")
    expect(view["error"]).toContain("whatsapp_business_messaging")
  })

  it("a number another tenant holds is number_in_use", async () => {
    const first = await http.session("holder")
    await http.connect(first.token, newNumber)
    const held = (await status(first.token))["phoneNumberE164"]
    // The second tenant picks the first tenant's WABA (one number) in the dialog.
    const wabas = (await sandboxState()).wabas
    const wabaOfHolder = wabas.at(-1)!.id
    const second = await http.session("intruder")
    const result = await http.connect(second.token, { action: "approve", waba: wabaOfHolder })
    expect(reason(result.location).get("reason")).toBe("number_in_use")
    expect((await status(second.token))["status"]).toBe("not_connected")
    expect((await status(first.token))["phoneNumberE164"]).toBe(held)
  })

  it("disconnect revokes, erases the token and stops here; reconnecting reuses the row", async () => {
    const { token } = await http.session("leaver")
    await http.connect(token, newNumber)
    const before = await status(token)
    const disconnected = await http.api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
    expect(disconnected.status).toBe(200)
    expect(await disconnected.json()).toMatchObject({ connected: false, status: "revoked" })
    expect(await status(token)).toMatchObject({ connected: false, status: "revoked" })
    expect(before["phoneNumberE164"]).toBeTruthy()
  })

  it("receives inbound messages, replies inside the 24-hour window (statuses arrive by webhook), and stops after disconnect", async () => {
    const { token } = await http.session("messenger")
    await http.connect(token, newNumber)
    const { phoneNumberId } = (await graphql(token, "{ whatsappConnection { phoneNumberId } }"))[
      "whatsappConnection"
    ] as {
      phoneNumberId: string
    }
    const inbound = await control("inbound", { phoneNumberId, from: "14155550123", text: "Thanks! 👍", name: "Dana" })
    expect(inbound["deliveryStatus"]).toBe(200)
    const conversation = await eventually(async () => {
      const data = (await graphql(token, CONVERSATIONS)) as Conversations
      return data.conversations.edges.find((edge) =>
        edge.node.messages.edges.some((m) => m.node["direction"] === "INBOUND" && m.node["text"] === "Thanks! 👍")
      )?.node
    }, "the inbound message")
    expect(conversation.waId).toBe("14155550123")
    // Read again: the list above may have been read before the webhook's upsert and its messages after the insert
    // (two queries); once the message is visible, the conversation's name, written before it, is too.
    const reread = ((await graphql(token, CONVERSATIONS)) as Conversations).conversations.edges.find(
      (edge) => edge.node.waId === conversation.waId
    )?.node
    expect(reread?.contactName).toBe("Dana")

    const sent = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "+1 415 555 0123",
      text: "Your order shipped"
    })
    expect(sent.status).toBe(201)
    const message = (await sent.json()) as { providerMessageId: string; status: string }
    expect(message.status).toBe("sent")
    expect(message.providerMessageId).toMatch(/^wamid\./)
    // The sandbox posts signed sent, delivered and read statuses to the webhook, as Meta does.
    await eventually(async () => {
      const data = (await graphql(token, CONVERSATIONS)) as Conversations
      const node = data.conversations.edges
        .flatMap((edge) => edge.node.messages.edges)
        .find((edge) => edge.node["providerMessageId"] === message.providerMessageId)
      return node?.node["status"] === "READ" ? true : undefined
    }, "the read status")

    await http.api(token, "POST", "/api/integrations/meta/whatsapp/disconnect")
    const refused = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "14155550123",
      text: "After disconnect"
    })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ error: { code: "not_connected" } })
  }, 40_000)

  it("free text to a contact who has not written in 24 hours is refused before Meta; once they write it goes", async () => {
    const { token } = await http.session("window-co")
    await http.connect(token, newNumber)
    const sentTo = async (waId: string) =>
      ((await sandboxState()) as unknown as { sentMessages: Array<{ to: string }> }).sentMessages.filter(
        (m) => m.to === waId
      ).length
    const refused = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "+1 415 555 0177",
      text: "Cold outreach"
    })
    expect(refused.status).toBe(409)
    expect(await refused.json()).toEqual({
      error: {
        code: "outside_customer_service_window",
        closedAt: null,
        message: expect.stringContaining("template")
      }
    })
    const viaGraphql = await graphql(
      token,
      `mutation { sendWhatsAppText(input: { to: "14155550177", text: "Cold" }) { __typename
        ... on OutsideCustomerServiceWindow { closedAt message } } }`
    )
    expect(viaGraphql["sendWhatsAppText"]).toEqual({
      __typename: "OutsideCustomerServiceWindow",
      closedAt: null,
      message: expect.stringContaining("template")
    })
    // Nothing reached the sandbox's Meta.
    expect(await sentTo("14155550177")).toBe(0)

    const { windowClosesAt } = await contactWrites(control, (q) => graphql(token, q), "+1 415 555 0177")
    expect(Date.parse(windowClosesAt)).toBeGreaterThan(Date.now() + 23 * 3600 * 1000)
    const sent = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
      to: "+1 415 555 0177",
      text: "Thanks for writing"
    })
    expect(sent.status).toBe(201)
    expect(((await sent.json()) as { status: string }).status).toBe("sent")
  }, 40_000)

  it("a contact who came from a Click-to-WhatsApp ad: the message names the ad; the window still closes after 24 hours", async () => {
    const { token } = await http.session("ad-entry-co")
    await http.connect(token, newNumber)
    const before = Date.now()
    const { windowClosesAt } = await contactWrites(control, (q) => graphql(token, q), "+1 415 555 0178", {
      text: "Is this still on sale?",
      referral: { sourceId: "120200000000002", headline: "Spring sale", ctwaClid: "ARAclid2" }
    })
    // Meta's free entry point (72 h) is a price, not a longer window: free text follows the 24 hours.
    expect(Date.parse(windowClosesAt)).toBeLessThanOrEqual(Date.now() + 24 * 3600 * 1000)
    expect(Date.parse(windowClosesAt)).toBeGreaterThan(before + 23 * 3600 * 1000)
    const data = (await graphql(
      token,
      `{ conversations(first: 10) { edges { node { waId messages(first: 5) { edges { node {
        text referral { sourceType sourceId sourceUrl headline ctwaClid } } } } } } } }`
    )) as {
      conversations: {
        edges: Array<{ node: { waId: string; messages: { edges: Array<{ node: Record<string, unknown> }> } } }>
      }
    }
    const thread = data.conversations.edges.find((edge) => edge.node.waId === "14155550178")!
    expect(thread.node.messages.edges.map((edge) => edge.node)).toEqual([
      {
        text: "Is this still on sale?",
        referral: {
          sourceType: "ad",
          sourceId: "120200000000002",
          sourceUrl: "https://fb.me/120200000000002",
          headline: "Spring sale",
          ctwaClid: "ARAclid2"
        }
      }
    ])
  }, 40_000)

  it("Meta's restrictions: active with a warning, replies refused until expiry; a ban lifts on REINSTATE", async () => {
    const { token } = await http.session("restricted-co")
    await http.connect(token, newNumber)
    const { wabaId } = (await graphql(token, "{ whatsappConnection { wabaId } }"))["whatsappConnection"] as {
      wabaId: string
    }
    const view = () =>
      graphql(token, "{ whatsappConnection { status warning } }").then(
        (data) => data["whatsappConnection"] as { status: string; warning: string | null }
      )
    const send = () =>
      http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", { to: "14155550123", text: "Hello" })
    // The contact wrote, so replies are inside the 24-hour window: only the restriction decides.
    await contactWrites(control, (q) => graphql(token, q), "14155550123")
    await control("account-update", {
      wabaId,
      event: "ACCOUNT_RESTRICTION",
      restriction_info: [
        { restriction_type: "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", expiration: "2999-01-05T13:59:20+0000" }
      ]
    })
    const warned = await eventually(async () => {
      const v = await view()
      return v.warning === null ? undefined : v
    }, "the restriction's warning")
    expect(warned.status).toBe("ACTIVE")
    expect(warned.warning).toMatch(/replying to customers is blocked.*until 2999-01-05T13:59:20\.000Z/)
    const refused = await send()
    expect(refused.status).toBe(409)
    expect(await refused.json()).toMatchObject({ error: { code: "sending_restricted" } })
    // Adding numbers only: messages go out again, the warning says so.
    await control("account-update", { wabaId, event: "ACCOUNT_RESTRICTION" })
    await eventually(
      async () => ((await view()).warning?.includes("adding phone numbers") ? true : undefined),
      "warning"
    )
    expect((await send()).status).toBe(201)
    // Disabled, then reinstated: re-checked at Meta and active again.
    await control("account-update", { wabaId, event: "DISABLED_UPDATE" })
    await eventually(async () => ((await view()).status === "ERROR" ? true : undefined), "the ban")
    await control("account-update", { wabaId, event: "DISABLED_UPDATE", ban_info: { waba_ban_state: ["REINSTATE"] } })
    await eventually(async () => ((await view()).status === "ACTIVE" ? true : undefined), "the reinstatement")
    expect((await send()).status).toBe(201)
  }, 40_000)

  it("a token revoked at Meta: the health check marks error, and Reconnect restores active on the same row", async () => {
    const { token } = await http.session("revoked-co")
    await http.connect(token, newNumber)
    const before = (await graphql(token, "{ whatsappConnection { id wabaId status } }"))["whatsappConnection"] as {
      id: string
      wabaId: string
      status: string
    }
    expect(before.status).toBe("ACTIVE")
    await control("revoke-token", { wabaId: before.wabaId })
    const broken = await eventually(async () => {
      const view = (await graphql(token, "{ whatsappConnection { status error } }"))["whatsappConnection"] as {
        status: string
        error: string | null
      }
      return view.status === "ERROR" ? view : undefined
    }, "the health check to mark the connection")
    expect(broken.error).toMatch(/Reconnect/)
    // Reconnect: the same start and callback, granting the same WABA again.
    const again = await http.connect(token, { action: "approve", waba: before.wabaId })
    expect(reason(again.location).get("whatsapp")).toBe("connected")
    const after = (await graphql(token, "{ whatsappConnection { id status } }"))["whatsappConnection"] as {
      id: string
      status: string
    }
    expect(after).toEqual({ id: before.id, status: "ACTIVE" })
  }, 40_000)

  it("admins read the audit log through GraphQL; members are refused", async () => {
    const admin = await http.session("audited", "admin")
    await http.connect(admin.token, newNumber)
    await http.connect(admin.token, { action: "cancel" })
    const query = `{ auditLog(first: 10) { __typename
      ... on AuditLogSuccess { entries { edges { node { action userId details } } } }
      ... on Error { message } } }`
    const data = (await graphql(admin.token, query))["auditLog"] as {
      __typename: string
      entries: { edges: Array<{ node: { action: string; userId: string | null; details: string } }> }
    }
    const actions = data.entries.edges.map((edge) => edge.node.action)
    expect(actions).toContain("whatsapp.connected")
    expect(actions).toContain("whatsapp.connect_failed")
    expect(JSON.stringify(data)).not.toMatch(/EAA[A-Za-z0-9]{20,}/)
    const member = await http.session("audited", "member")
    const refused = (await graphql(member.token, query))["auditLog"] as { __typename: string; message: string }
    expect(refused.__typename).toBe("ForbiddenError")
  })

  it("every API answer without a valid token is 401 in the one error shape", async () => {
    for (const [method, path] of [
      ["POST", "/api/integrations/meta/whatsapp/start"],
      ["GET", "/api/integrations/meta/whatsapp/status"],
      ["POST", "/api/integrations/meta/whatsapp/disconnect"]
    ] as const) {
      const response = await http.api("not-a-jwt", method, path)
      expect(response.status).toBe(401)
      expect(await response.json()).toMatchObject({ error: { code: "unauthenticated" } })
    }
    const missing = await http.api(null, "GET", "/api/integrations/meta/whatsapp/status")
    expect(missing.status).toBe(401)
    const unknown = await http.api(null, "GET", "/api/nope")
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } })
  })

  it("start is limited to 20 a minute per tenant, answered 429 with Retry-After", async () => {
    const { token } = await http.session("eager")
    const other = await http.session("calm")
    const codes: Array<number> = []
    for (let i = 0; i < 21; i++)
      codes.push((await http.api(token, "POST", "/api/integrations/meta/whatsapp/start")).status)
    expect(codes.slice(0, 20).every((code) => code === 200)).toBe(true)
    const limited = await http.api(token, "POST", "/api/integrations/meta/whatsapp/start")
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } })
    expect((await http.api(other.token, "POST", "/api/integrations/meta/whatsapp/start")).status).toBe(200)
  })
})
