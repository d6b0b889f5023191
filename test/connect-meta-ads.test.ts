import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"

const ADS = "/api/integrations/meta/ads"
const TOKEN_PATTERN = /EAA[A-Za-z0-9]{20,}/

let stack: Stack
let service: RunningService
let http: ReturnType<typeof client>

const control = (path: string, body?: unknown, method?: string) => stack.control(path, body, method)
const params = (location: string) => new URL(location).searchParams

interface AdsStatus {
  readonly status: string
  readonly connected: boolean
  readonly error: string | null
  readonly pendingReason: string | null
  readonly tokenExpiresAt: string | null
  readonly selectedBusinessManagerId: string | null
  readonly selectedAdAccountId: string | null
  readonly businessManagers: ReadonlyArray<{
    readonly id: string
    readonly name: string
    readonly personal: boolean
    readonly adAccounts: ReadonlyArray<{ id: string; name: string; currency: string; accountStatus: string }>
  }>
  readonly unreadableBusinessManagers: ReadonlyArray<{ id: string; name: string; kind: string; reason: string }>
  readonly tokenState: string
  readonly dataAccessExpiresAt: string | null
  readonly user: { readonly id: string; readonly name: string | null } | null
}

const json = async <A>(response: Response, expected = 200): Promise<A> => {
  const text = await response.text()
  if (response.status !== expected) throw new Error(`${response.url}: ${response.status} ${text}`)
  expect(text).not.toMatch(TOKEN_PATTERN)
  return JSON.parse(text) as A
}
const status = async (token: string) => json<AdsStatus>(await http.api(token, "GET", `${ADS}/status`))
const testConnection = (token: string) => http.api(token, "POST", `${ADS}/test-connection`)
const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
  const body = await json<{ data?: Record<string, unknown> | null; errors?: ReadonlyArray<Record<string, unknown>> }>(
    await http.api(token, "POST", "/graphql", { query, variables })
  )
  return body
}

/** Start → the sandbox's dialog (ads scopes: a user token) → Meta's redirect → our callback, as a browser would. */
const connectAds = async (token: string, dialog: Record<string, string>, options: { cookie?: boolean } = {}) => {
  const started = await http.api(token, "POST", `${ADS}/start`)
  const { authUrl } = await json<{ authUrl: string; state: string }>(started)
  const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
  const page = await fetch(authUrl)
  if (page.status !== 200) throw new Error(`dialog: ${page.status} ${await page.text()}`)
  const answered = await fetch(authUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(dialog).toString(),
    redirect: "manual"
  })
  const callbackUrl = answered.headers.get("location")
  if (answered.status !== 302 || callbackUrl === null) throw new Error(`dialog submit: ${answered.status}`)
  const back = await fetch(callbackUrl, { headers: options.cookie === false ? {} : { cookie }, redirect: "manual" })
  return { status: back.status, location: back.headers.get("location") ?? "", authUrl, cookie }
}
const approve = { action: "approve" }

const SELECT = `mutation Select($input: SelectAdAccountInput!) {
  selectMetaAdAccount(input: $input) { status connected selectedBusinessManagerId selectedAdAccountId pendingReason }
}`

/** Connects the tenant and chooses the agency's client ad account; returns the status. */
const connectAndSelect = async (token: string) => {
  const result = await connectAds(token, approve)
  expect(result.location).toBe(`${service.url}/settings/integrations?meta_ads=connected`)
  const pending = await status(token)
  const agency = pending.businessManagers.find((b) => b.name === "Sandbox Agency Client")!
  const selected = await graphql(token, SELECT, {
    input: { businessManagerId: agency.id, adAccountId: agency.adAccounts[0]!.id }
  })
  expect(selected.errors).toBeUndefined()
  return { pending, agency, selected: selected.data!["selectMetaAdAccount"] as Record<string, unknown> }
}

beforeAll(async () => {
  stack = await startStack("connect-ads", {
    LOG_LEVEL: "warn",
    TOKEN_HEALTH_INTERVAL_SECONDS: "3600"
  })
  service = stack.service
  http = client(service.url)
}, 60_000)

afterAll(async () => {
  await service?.stop()
})

describe("Connect Meta Ads through the sandbox's Facebook Login", () => {
  it("start → dialog → callback: pending with both Business Managers; selecting over GraphQL makes it active", async () => {
    const { token } = await http.session("ads-acme", "marketing")
    expect((await status(token)).status).toBe("not_connected")
    const { pending, agency, selected } = await connectAndSelect(token)

    expect(pending).toMatchObject({ status: "pending", connected: false, pendingReason: "choose_ad_account" })
    const expiresInDays = (Date.parse(pending.tokenExpiresAt!) - Date.now()) / 86_400_000
    expect(expiresInDays).toBeGreaterThan(59)
    expect(expiresInDays).toBeLessThan(61)
    const byName = Object.fromEntries(pending.businessManagers.map((b) => [b.name, b.adAccounts]))
    expect(Object.keys(byName).sort()).toEqual(["Sandbox Agency Client", "Sandbox Business", "Your own ad accounts"])
    expect(byName["Sandbox Business"]!.map((a) => a.currency).sort()).toEqual(["EUR", "USD"])
    // The agency's 28 client accounts come over two pages of Meta's list; each is listed once.
    const agencyAccounts = byName["Sandbox Agency Client"]!
    expect(agencyAccounts).toHaveLength(28)
    expect(agencyAccounts[0]).toMatchObject({ name: "Client Campaigns", currency: "GBP", accountStatus: "active" })
    expect(new Set(agencyAccounts.map((a) => a.accountStatus))).toEqual(
      new Set(["active", "disabled", "unsettled", "pending_risk_review", "in_grace_period", "closed"])
    )
    // /me/adaccounts: the person's own account; the business account assigned to them is not listed twice.
    expect(byName["Your own ad accounts"]!.map((a) => a.name)).toEqual(["Sandbox User (personal)"])
    expect(pending.businessManagers.find((b) => b.name === "Your own ad accounts")!.personal).toBe(true)
    const all = pending.businessManagers.flatMap((b) => b.adAccounts)
    expect(new Set(all.map((a) => a.id)).size).toBe(all.length)
    expect(all).toHaveLength(31)
    for (const account of all) expect(account.id).toMatch(/^act_\d{15,16}$/)
    expect(pending.unreadableBusinessManagers).toEqual([])
    expect(pending.tokenState).toBe("valid")
    expect(Date.parse(pending.dataAccessExpiresAt!)).toBeGreaterThan(Date.now() + 89 * 86_400_000)

    expect(selected).toEqual({
      status: "ACTIVE",
      connected: true,
      selectedBusinessManagerId: agency.id,
      selectedAdAccountId: agency.adAccounts[0]!.id,
      pendingReason: null
    })
    const view = (await graphql(token, "{ metaAdsConnection { status connected selectedAdAccountId error } }")).data
    expect(view).toEqual({
      metaAdsConnection: {
        status: "ACTIVE",
        connected: true,
        selectedAdAccountId: agency.adAccounts[0]!.id,
        error: null
      }
    })
  })

  it("the dialog carries the Ads config_id and no scope (a scope-only login is refused); the state cookie is the ads one", async () => {
    const { token } = await http.session("ads-dialog", "admin")
    const result = await connectAds(token, { action: "cancel" })
    expect(new URL(result.authUrl).searchParams.get("config_id")).toBe("sandbox-meta-ads")
    expect(result.authUrl).not.toContain("scope=")
    // What the CRM report's dialog (scope, no configuration) gets from a Business app: Meta's error page.
    const scopeOnly = new URL(result.authUrl)
    scopeOnly.searchParams.delete("config_id")
    scopeOnly.searchParams.set("scope", "ads_management,ads_read,business_management")
    const refused = await fetch(scopeOnly)
    expect(refused.status).toBe(400)
    expect(await refused.text()).toContain("this app isn&#39;t available")
    expect(result.authUrl).toContain(encodeURIComponent(`${service.url}${ADS}/callback`))
    expect(result.cookie).toMatch(/^meta_oauth_ads_[A-Za-z0-9_-]{16}=[0-9a-f]{64}$/)
    expect(params(result.location).get("meta_ads")).toBe("error")
    expect(params(result.location).get("reason")).toBe("cancelled")
    expect((await status(token)).status).toBe("not_connected")
  })

  it("a callback in another browser is state_invalid; a configuration without ads_read is missing_permissions", async () => {
    const { token } = await http.session("ads-refusals", "admin")
    const elsewhere = await connectAds(token, approve, { cookie: false })
    expect(params(elsewhere.location).get("reason")).toBe("state_invalid")
    // Unticking is not possible with a configuration: a form naming fewer permissions still grants them all.
    const unticked = await connectAds(token, { action: "approve", granted: "ads_management,business_management" })
    expect(params(unticked.location).get("meta_ads")).toBe("connected")
    await http.api(token, "POST", `${ADS}/disconnect`)
    // An operator edited the configuration and dropped ads_read: the login is refused, naming it.
    await control("app/configuration", { which: "ads", permissions: ["ads_management", "business_management"] })
    try {
      const partial = await connectAds(token, approve)
      expect(params(partial.location).get("reason")).toBe("missing_permissions")
    } finally {
      await control("app/configuration", {
        which: "ads",
        permissions: ["ads_management", "ads_read", "business_management"]
      })
    }
    expect((await status(token)).status).toBe("revoked")
  })

  it("one Business Manager that cannot be read does not fail the login; the status says which and why", async () => {
    const { token } = await http.session("ads-partial", "admin")
    const state = (await control("state", undefined, "GET")) as { businesses: Array<{ id: string; name: string }> }
    const agency = state.businesses.find((b) => b.name === "Sandbox Agency Client")!
    await control("faults", { path: `${agency.id}/client_ad_accounts`, kind: "graphError", code: 200, times: 0 })
    try {
      const result = await connectAds(token, approve)
      expect(params(result.location).get("meta_ads")).toBe("connected")
    } finally {
      await control("faults", undefined, "DELETE")
    }
    const view = await status(token)
    expect(view.businessManagers.map((b) => b.name).sort()).toEqual(["Sandbox Business", "Your own ad accounts"])
    expect(view.unreadableBusinessManagers).toEqual([
      {
        id: agency.id,
        name: "Sandbox Agency Client",
        kind: "permission",
        reason: "Meta did not grant the permission ads_read."
      }
    ])
    const viaGraphql = await graphql(token, "{ metaAdsConnection { unreadableBusinessManagers { name kind } } }")
    expect(viaGraphql.data).toEqual({
      metaAdsConnection: { unreadableBusinessManagers: [{ name: "Sandbox Agency Client", kind: "permission" }] }
    })
  })

  it("test-connection reports the Meta user, the expiry and the ad-account count, to any member", async () => {
    const { token } = await http.session("ads-tested", "admin")
    await connectAndSelect(token)
    const member = await http.session("ads-tested", "member")
    const report = await json<Record<string, unknown>>(await testConnection(member.token))
    expect(report).toMatchObject({ ok: true, user: { name: "Sandbox User" }, adAccountCount: 31, error: null })
    expect(report["checks"]).toEqual([
      { name: "token", ok: true, detail: expect.stringMatching(/^valid until /) },
      { name: "permissions", ok: true, detail: "ads_management, ads_read, business_management" },
      { name: "ad_account", ok: true, detail: "Client Campaigns (GBP): active" }
    ])
    expect(report["tokenExpiresAt"]).toBe((await status(token)).tokenExpiresAt)
    // The CRM report's method: GET, the same checks.
    const viaGet = await json<Record<string, unknown>>(await http.api(member.token, "GET", `${ADS}/test-connection`))
    expect(viaGet["ok"]).toBe(true)
    const viaGraphql = (
      await graphql(member.token, "mutation { testMetaAdsConnection { ok adAccountCount checks { name ok } } }")
    ).data
    expect(viaGraphql).toEqual({
      testMetaAdsConnection: {
        ok: true,
        adAccountCount: 31,
        checks: [
          { name: "token", ok: true },
          { name: "permissions", ok: true },
          { name: "ad_account", ok: true }
        ]
      }
    })
  })

  it("test-connection fails once ads_management is revoked at Meta (where GET /me would still answer)", async () => {
    const { token } = await http.session("ads-revoked-scope", "admin")
    await connectAndSelect(token)
    expect((await json<{ ok: boolean }>(await testConnection(token))).ok).toBe(true)
    // (Every test after this one logs in again, which grants the configuration's permissions anew.)
    await control("revoke-permission", { permission: "ads_management" })
    const report = await json<{ ok: boolean; error: string; checks: Array<Record<string, unknown>> }>(
      await http.api(token, "GET", `${ADS}/test-connection`)
    )
    expect(report.ok).toBe(false)
    expect(report.checks[1]).toEqual({ name: "permissions", ok: false, detail: "missing: ads_management" })
    expect(report.error).toContain("ads_management")
  })

  it("disconnecting one workspace leaves a second workspace connected with the same Meta user working", async () => {
    const first = await http.session("ads-shared-one", "admin")
    const second = await http.session("ads-shared-two", "admin")
    await connectAndSelect(first.token)
    await connectAndSelect(second.token)
    expect((await status(first.token)).user?.id).toBe((await status(second.token)).user?.id)
    const left = await json<AdsStatus>(await http.api(first.token, "POST", `${ADS}/disconnect`))
    expect(left.status).toBe("revoked")
    const report = await json<{ ok: boolean }>(await testConnection(second.token))
    expect(report.ok).toBe(true)
    expect((await status(second.token)).status).toBe("active")
  })

  it("token-debug shows validity, expiry and scopes to admins only, never the token", async () => {
    const admin = await http.session("ads-debug", "admin")
    await connectAndSelect(admin.token)
    const debug = await json<{ isValid: boolean; expiresAt: string; scopes: Array<string> }>(
      await http.api(admin.token, "GET", `${ADS}/token-debug`)
    )
    expect(debug.isValid).toBe(true)
    expect(Date.parse(debug.expiresAt)).toBeGreaterThan(Date.now() + 59 * 86_400_000)
    expect(debug.scopes).toEqual(expect.arrayContaining(["ads_management", "ads_read", "business_management"]))
    const marketing = await http.session("ads-debug", "marketing")
    const refused = await http.api(marketing.token, "GET", `${ADS}/token-debug`)
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ error: { code: "forbidden" } })
    const query = "{ metaAdsTokenDebug { __typename ... on Error { message } } }"
    expect((await graphql(marketing.token, query)).data).toMatchObject({
      metaAdsTokenDebug: { __typename: "ForbiddenError" }
    })
    expect((await graphql(admin.token, query)).data).toEqual({
      metaAdsTokenDebug: { __typename: "MetaAdsTokenDebugSuccess" }
    })
  })

  it("a member may look but not connect, select or disconnect", async () => {
    const admin = await http.session("ads-roles", "admin")
    const { agency } = await connectAndSelect(admin.token)
    const member = await http.session("ads-roles", "member")
    const start = await http.api(member.token, "POST", `${ADS}/start`)
    expect(start.status).toBe(403)
    expect(await start.json()).toMatchObject({ error: { code: "forbidden" } })
    const disconnect = await http.api(member.token, "POST", `${ADS}/disconnect`)
    expect(disconnect.status).toBe(403)
    const viaGraphql = await graphql(member.token, "mutation { startMetaAdsConnect { authUrl } }")
    expect(viaGraphql.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } })
    const select = await graphql(member.token, SELECT, {
      input: { businessManagerId: agency.id, adAccountId: agency.adAccounts[0]!.id }
    })
    expect(select.errors?.[0]).toMatchObject({ extensions: { code: "FORBIDDEN" } })
    expect((await status(member.token)).status).toBe("active")
  })

  it("test-connection is limited to 5 a minute per tenant, answered 429 with Retry-After", async () => {
    const { token } = await http.session("ads-eager", "member")
    const codes: Array<number> = []
    for (let i = 0; i < 5; i++) codes.push((await testConnection(token)).status)
    expect(codes).toEqual([200, 200, 200, 200, 200])
    const limited = await testConnection(token)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ error: { code: "rate_limited" } })
    const other = await http.session("ads-calm", "member")
    expect((await testConnection(other.token)).status).toBe(200)
  })

  it("disconnect revokes at Meta and erases the token; the connection shows revoked", async () => {
    const { token } = await http.session("ads-leaver", "marketing")
    await connectAndSelect(token)
    const disconnected = await json<AdsStatus>(await http.api(token, "POST", `${ADS}/disconnect`))
    expect(disconnected).toMatchObject({
      status: "revoked",
      connected: false,
      tokenExpiresAt: null,
      businessManagers: []
    })
    expect(await status(token)).toMatchObject({ status: "revoked", connected: false })
    const report = await json<Record<string, unknown>>(await testConnection(token))
    expect(report["ok"]).toBe(false)
  })

  // Last: it moves the sandbox's clock past every token's expiry.
  it("61 days later Meta refuses the token: test-connection says so, the connection shows Reconnect; reconnecting restores it", async () => {
    const { token } = await http.session("ads-expiring", "admin")
    const { agency } = await connectAndSelect(token)
    await control("clock", { advanceSeconds: 61 * 86_400 })
    const report = await json<Record<string, unknown>>(await testConnection(token))
    expect(report["ok"]).toBe(false)
    expect(report["error"]).toMatch(/Reconnect/)
    const broken = await status(token)
    expect(broken.status).toBe("error")
    expect(broken.error).toMatch(/Reconnect/)
    const view = (await graphql(token, "{ metaAdsConnection { status connected error } }")).data
    expect(view).toMatchObject({ metaAdsConnection: { status: "ERROR", connected: false } })
    const debug = await json<{ isValid: boolean }>(await http.api(token, "GET", `${ADS}/token-debug`))
    expect(debug.isValid).toBe(false)

    // Reconnect: the same start and callback; the ad account chosen before is kept.
    const again = await connectAds(token, approve)
    expect(params(again.location).get("meta_ads")).toBe("connected")
    expect(await status(token)).toMatchObject({
      status: "active",
      selectedBusinessManagerId: agency.id,
      selectedAdAccountId: agency.adAccounts[0]!.id,
      error: null
    })
  })
})

describe("Meta Ads tokens are renewed before they expire", () => {
  let renewing: Stack
  beforeAll(async () => {
    renewing = await startStack("connect-ads-renewal", { LOG_LEVEL: "warn", TOKEN_HEALTH_INTERVAL_SECONDS: "1" })
  }, 60_000)
  afterAll(async () => {
    await renewing?.service.stop()
  })

  it("a token 10 days from its end is exchanged for a fresh 60-day one (the sandbox clock moved)", async () => {
    const api = client(renewing.service.url)
    const { token } = await api.session("ads-renewal", "admin")
    // Meta's clock 50 days behind ours: the token Meta issues ends 10 days from our now.
    await renewing.control("clock", { advanceSeconds: -50 * 86_400 })
    const fresh = await api.api(token, "POST", `${ADS}/start`)
    const { authUrl } = await json<{ authUrl: string }>(fresh)
    const cookie = (fresh.headers.get("set-cookie") ?? "").split(";")[0]!
    const answered = await fetch(authUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "action=approve",
      redirect: "manual"
    })
    const back = await fetch(answered.headers.get("location")!, { headers: { cookie }, redirect: "manual" })
    expect(params(back.headers.get("location") ?? "").get("meta_ads")).toBe("connected")
    const statusOf = async () => json<AdsStatus>(await api.api(token, "GET", `${ADS}/status`))
    const before = Date.parse((await statusOf()).tokenExpiresAt!)
    expect((before - Date.now()) / 86_400_000).toBeLessThan(11)

    // Meta's clock catches up: the next renewal (every second here) yields a token 60 days from now.
    await renewing.control("clock", { advanceSeconds: 50 * 86_400 })
    let after = before
    for (let i = 0; i < 100 && after - Date.now() < 59 * 86_400_000; i++) {
      await new Promise((done) => setTimeout(done, 200))
      after = Date.parse((await statusOf()).tokenExpiresAt!)
    }
    expect((after - Date.now()) / 86_400_000).toBeGreaterThan(59)
    const view = await statusOf()
    expect(view).toMatchObject({ status: "pending", tokenState: "valid", error: null })
  }, 40_000)
})
