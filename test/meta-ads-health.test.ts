/**
 * Meta Ads connection health (issue 16.2) through the real service and the sandbox Meta: each check (`ads_token`,
 * `ads_scopes`, `ad_account`, `business_manager`) fails and recovers as Meta's state changes; the checks run after
 * the connect and the ad-account choice, on "Check now" (GraphQL and REST, rate-limited), and Connected follows the
 * gating checks.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { eventually } from "./support/Eventually.ts"
import { type Stack, startStack } from "./support/Service.ts"

const ADS = "/api/integrations/meta/ads"

interface Check {
  readonly name: string
  readonly status: string
  readonly message: string
  readonly checkedAt: string
}
interface Health {
  readonly overall: string
  readonly checkedAt: string | null
  readonly messagingHealthy: boolean
  readonly checks: ReadonlyArray<Check>
}
interface Business {
  readonly id: string
  readonly name: string
  readonly adAccounts: ReadonlyArray<{ readonly id: string; readonly name: string }>
}

const HEALTH = "health { overall checkedAt messagingHealthy checks { name status message checkedAt } }"

let stack: Stack
const http = () => client(stack.service.url)

const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
  const response = await http().api(token, "POST", "/graphql", { query, variables })
  const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
  if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
  return body.data!
}
/** The statuses in lower case (GraphQL's enum says OK, the REST body ok). */
const lower = (health: Health): Health => ({
  ...health,
  overall: health.overall.toLowerCase(),
  checks: health.checks.map((c) => ({ ...c, status: c.status.toLowerCase() }))
})
const checkNow = async (token: string) =>
  lower(
    (
      (await graphql(token, `mutation { checkMetaAdsConnection { status connected ${HEALTH} } }`))[
        "checkMetaAdsConnection"
      ] as { health: Health }
    ).health
  )
const stored = async (token: string) =>
  lower(
    ((await graphql(token, `{ metaAdsConnection { ${HEALTH} } }`))["metaAdsConnection"] as { health: Health }).health
  )
const check = (health: Health, name: string) => {
  const found = health.checks.find((c) => c.name === name)
  if (found === undefined) throw new Error(`no ${name} check in ${JSON.stringify(health)}`)
  return found
}
const statuses = (health: Health) => Object.fromEntries(health.checks.map((c) => [c.name, c.status]))

/** Start → the sandbox's dialog → our callback, as a browser would. */
const login = async (token: string) => {
  const started = await http().api(token, "POST", `${ADS}/start`)
  const { authUrl } = (await started.json()) as { authUrl: string }
  const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
  const answered = await fetch(authUrl, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ action: "approve" }).toString(),
    redirect: "manual"
  })
  const back = await fetch(answered.headers.get("location")!, { headers: { cookie }, redirect: "manual" })
  expect(back.headers.get("location")).toBe(`${stack.service.url}/settings/integrations?meta_ads=connected`)
}

const SELECT = `mutation Select($input: SelectAdAccountInput!) { selectMetaAdAccount(input: $input) { status } }`

/** Connects the tenant and chooses the agency's first client ad account (active). */
const connect = async (tenant: string) => {
  const { token } = await http().session(tenant, "admin")
  await login(token)
  // Pending (no account chosen yet): the checks ran after the connect and say to choose one.
  const pending = await eventually(async () => {
    const health = await stored(token)
    return health.checks.length === 4 ? health : undefined
  }, "the checks after the connect")
  expect(statuses(pending)).toEqual({
    ads_token: "ok",
    ads_scopes: "ok",
    ad_account: "warning",
    business_manager: "unknown"
  })
  expect(check(pending, "ad_account").message).toContain("choose")
  const status = (await (await http().api(token, "GET", `${ADS}/status`)).json()) as {
    businessManagers: ReadonlyArray<Business>
  }
  const agency = status.businessManagers.find((b) => b.name === "Sandbox Agency Client")!
  const account = agency.adAccounts[0]!
  const selected = await graphql(token, SELECT, { input: { businessManagerId: agency.id, adAccountId: account.id } })
  expect(selected).toEqual({ selectMetaAdAccount: { status: "ACTIVE" } })
  // The choice runs the checks again, in the background.
  const healthy = await eventually(async () => {
    const health = await stored(token)
    return health.checks.find((c) => c.name === "ad_account")?.status === "ok" ? health : undefined
  }, "the checks after the ad-account choice")
  expect(statuses(healthy)).toEqual({ ads_token: "ok", ads_scopes: "ok", ad_account: "ok", business_manager: "ok" })
  expect(healthy).toMatchObject({ overall: "ok", messagingHealthy: true })
  return { token, agency, account }
}

beforeAll(async () => {
  stack = await startStack("ads-health", { LOG_LEVEL: "warn", TOKEN_HEALTH_INTERVAL_SECONDS: "3600" })
}, 60_000)
afterAll(async () => {
  await stack?.service.stop()
})

describe("Meta Ads connection health through the sandbox", () => {
  it("the ad account disabled at Meta fails ad_account (not Connected); unsettled is a warning; active recovers", async () => {
    const { token, account } = await connect("ads-health-account")
    await stack.control("ad-account-status", { adAccountId: account.id, accountStatus: 2 })
    const disabled = await checkNow(token)
    expect(check(disabled, "ad_account")).toMatchObject({ status: "failing" })
    expect(check(disabled, "ad_account").message).toContain("disabled by Meta")
    expect(disabled).toMatchObject({ overall: "failing", messagingHealthy: false })
    expect(await stored(token)).toEqual(disabled)

    await stack.control("ad-account-status", { adAccountId: account.id, accountStatus: 3 })
    const unsettled = await checkNow(token)
    expect(check(unsettled, "ad_account").status).toBe("warning")
    expect(check(unsettled, "ad_account").message).toContain("unpaid balance")
    expect(unsettled).toMatchObject({ overall: "warning", messagingHealthy: true })

    await stack.control("ad-account-status", { adAccountId: account.id, accountStatus: 1 })
    const recovered = await checkNow(token)
    expect(check(recovered, "ad_account").status).toBe("ok")
    expect(recovered.overall).toBe("ok")
  })

  it("the person removed from the Business Manager fails business_manager and ad_account; added back recovers", async () => {
    const { token, agency } = await connect("ads-health-business")
    await stack.control("business-access", { businessId: agency.id, member: false })
    try {
      const removed = await checkNow(token)
      expect(check(removed, "business_manager").status).toBe("failing")
      expect(check(removed, "business_manager").message).toContain(agency.id)
      expect(check(removed, "ad_account").status).toBe("failing")
      expect(removed.messagingHealthy).toBe(false)
      expect(statuses(removed)).toMatchObject({ ads_token: "ok", ads_scopes: "ok" })
    } finally {
      await stack.control("business-access", { businessId: agency.id, member: true })
    }
    const back = await checkNow(token)
    expect(statuses(back)).toEqual({ ads_token: "ok", ads_scopes: "ok", ad_account: "ok", business_manager: "ok" })
  })

  it("an ads permission revoked at Meta fails ads_scopes (not Connected); logging in again recovers", async () => {
    const { token } = await connect("ads-health-scope")
    await stack.control("revoke-permission", { permission: "ads_read" })
    const revoked = await checkNow(token)
    expect(check(revoked, "ads_scopes")).toMatchObject({ status: "failing" })
    expect(check(revoked, "ads_scopes").message).toContain("ads_read")
    expect(check(revoked, "ads_token").status).toBe("ok")
    expect(revoked.messagingHealthy).toBe(false)
    // A new login grants the configuration's permissions again; the selection is kept; the checks run after it.
    await login(token)
    const recovered = await eventually(async () => {
      const health = await stored(token)
      return health.checks.find((c) => c.name === "ads_scopes")?.status === "ok" ? health : undefined
    }, "the checks after the new login")
    expect(statuses(recovered)).toEqual({
      ads_token: "ok",
      ads_scopes: "ok",
      ad_account: "ok",
      business_manager: "ok"
    })
  })

  it("the token revoked at Meta fails ads_token; a new login recovers", async () => {
    const { token } = await connect("ads-health-token")
    await stack.control("revoke-token", { all: true })
    const revoked = await checkNow(token)
    expect(check(revoked, "ads_token").status).toBe("failing")
    expect(check(revoked, "ads_token").message).toContain("Reconnect Meta Ads")
    expect(revoked.messagingHealthy).toBe(false)
    await login(token)
    const recovered = await eventually(async () => {
      const health = await stored(token)
      return health.checks.find((c) => c.name === "ads_token")?.status === "ok" ? health : undefined
    }, "the checks after the new login")
    expect(recovered.messagingHealthy).toBe(true)
  })

  it("Check now over REST updates the checked-at time; the status shows the health; it is rate-limited", async () => {
    const { token } = await connect("ads-health-rest")
    const before = await stored(token)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const response = await http().api(token, "POST", `${ADS}/check`)
    expect(response.status).toBe(200)
    const body = (await response.json()) as { connected: boolean; health: Health }
    expect(lower(body.health).overall).toBe("ok")
    expect(body.connected).toBe(true)
    expect(Date.parse(body.health.checkedAt!)).toBeGreaterThan(Date.parse(before.checkedAt!))
    expect(body.health.checks.map((c) => c.name)).toEqual(["ads_token", "ads_scopes", "ad_account", "business_manager"])
    const status = (await (await http().api(token, "GET", `${ADS}/status`)).json()) as { health: Health }
    expect(status.health.checkedAt).toBe(body.health.checkedAt)
    // 6 a minute per workspace (one used above): the 7th is refused with Retry-After.
    const answers: Array<number> = []
    for (let i = 0; i < 6; i++) answers.push((await http().api(token, "POST", `${ADS}/check`)).status)
    expect(answers.slice(0, 5)).toEqual([200, 200, 200, 200, 200])
    expect(answers[5]).toBe(429)
  })

  it("no connection: the health is empty and unknown; Check now answers the same", async () => {
    const { token } = await http().session("ads-health-none", "admin")
    expect(await stored(token)).toEqual({ overall: "unknown", checkedAt: null, messagingHealthy: true, checks: [] })
    expect(await checkNow(token)).toEqual({ overall: "unknown", checkedAt: null, messagingHealthy: true, checks: [] })
  })
})
