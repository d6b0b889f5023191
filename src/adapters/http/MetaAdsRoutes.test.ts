import { createHmac } from "node:crypto"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { MetaAdsConnections } from "../../application/ads/MetaAdsConnections.ts"
import { MetaAdsHealthChecks } from "../../application/health/MetaAdsHealthChecks.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import { ConnectSettings } from "../../application/ports/ConnectSettings.ts"
import { type Role, TenantId, UserId } from "../../domain/Ids.ts"
import { layerFromKeys } from "../crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory, MetaGraphMemoryControl } from "../meta-graph/MetaGraphMemory.ts"
import { PersistenceMemory } from "../persistence/Persistence.ts"
import { Jwt } from "./Auth.ts"
import { META_ADS_CALLBACK_PATH, makeMetaAdsRoutes } from "./MetaAdsRoutes.ts"

const APP = "https://app.example.com"
const REDIRECT = `${APP}${META_ADS_CALLBACK_PATH}`
const jwt = Jwt.make(Redacted.make("y".repeat(32)))

const Dependencies = Layer.mergeAll(
  PersistenceMemory,
  MetaGraphMemory,
  layerFromKeys({ active: new Uint8Array(32).fill(3), previous: [] }),
  Layer.succeed(
    ConnectSettings,
    ConnectSettings.of({
      appId: "1234567890123456",
      graphVersion: "v24.0",
      dialogBaseUrl: "https://www.facebook.com",
      configId: "998877",
      adsConfigId: "556677",
      whatsappRedirectUri: `${APP}/api/integrations/meta/whatsapp/callback`,
      adsRedirectUri: REDIRECT,
      webhookCallbackUrl: `${APP}/webhooks/meta/whatsapp`,
      webhookVerifyToken: Redacted.make("verify")
    })
  ),
  Layer.succeed(Jwt, jwt),
  OperationLimits.layerMemory
)
const context = await Effect.runPromise(Layer.build(Dependencies).pipe(Effect.scoped))
const Services = Layer.succeedContext(context)
const app = HttpRouter.toWebHandler(
  makeMetaAdsRoutes({ appBaseUrl: APP }).pipe(
    Layer.provide(Layer.mergeAll(MetaAdsConnections.layer, MetaAdsHealthChecks.layer)),
    Layer.provide(Services)
  ),
  { disableLogger: true }
)
afterAll(() => app.dispose())

const control = <A>(effect: Effect.Effect<A, never, MetaGraphMemoryControl>) =>
  Effect.runPromise(effect.pipe(Effect.provide(Services)))

const session = (role: Role, tenantId = crypto.randomUUID()) => ({
  tenantId,
  token: Effect.runSync(jwt.sign({ sub: UserId.make(`user-${role}`), tenant_id: TenantId.make(tenantId), role }, 3600))
})

const request = (token: string | null, method: string, path: string, headers: Record<string, string> = {}) =>
  app.handler(
    new Request(`http://localhost${path}`, {
      method,
      headers: { ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
      redirect: "manual"
    })
  )

let sequence = 0
/** The person approved the ads dialog for one Business Manager with `accounts` ad accounts. */
const granted = (accounts: number) =>
  control(
    Effect.gen(function* () {
      const meta = yield* MetaGraphMemoryControl
      const n = ++sequence
      const business = `90000000000000${n}`
      yield* meta.addBusiness({
        id: business,
        name: `Business ${n}`,
        ownedAdAccounts: Array.from({ length: accounts }, (_, index) => ({
          id: `act_9${n}${index}`,
          name: `Account ${index}`,
          currency: "USD",
          accountStatus: "active"
        }))
      })
      const code = `code-${n}`
      yield* meta.grant({
        code,
        redirectUri: REDIRECT,
        token: `EAAroute${n}${"r".repeat(40)}`,
        wabaIds: [],
        scopes: ["ads_management", "ads_read", "business_management"].map((scope) => ({
          scope,
          targetIds: scope === "business_management" ? [business] : []
        }))
      })
      return { code, business }
    })
  )

/** Start, then Meta's redirect back to the callback with the code; returns the callback's answer. */
const connect = async (token: string, accounts = 1, options: { cookie?: boolean; cancel?: boolean } = {}) => {
  const { code } = await granted(accounts)
  const started = await request(token, "POST", "/api/integrations/meta/ads/start")
  const { state } = (await started.json()) as { state: string }
  const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
  const query = options.cancel
    ? `error=access_denied&error_reason=user_denied&state=${state}`
    : `code=${code}&state=${state}`
  return request(null, "GET", `${META_ADS_CALLBACK_PATH}?${query}`, options.cookie === false ? {} : { cookie })
}

const location = (response: Response) => response.headers.get("location") ?? ""
const STATUS = "/api/integrations/meta/ads/status"

describe("MetaAdsRoutes", () => {
  it("answers 401 in the one error shape without a valid token", async () => {
    for (const [method, path] of [
      ["POST", "/api/integrations/meta/ads/start"],
      ["GET", "/api/integrations/meta/ads/status"],
      ["POST", "/api/integrations/meta/ads/disconnect"],
      ["POST", "/api/integrations/meta/ads/test-connection"],
      ["GET", "/api/integrations/meta/ads/test-connection"],
      ["GET", "/api/integrations/meta/ads/token-debug"]
    ] as const) {
      const response = await request("not-a-jwt", method, path)
      assert.strictEqual(response.status, 401, path)
      assert.strictEqual(((await response.json()) as { error: { code: string } }).error.code, "unauthenticated")
    }
  })

  it("answers 401 to a correctly signed token without exp, or with a lifetime beyond the maximum", async () => {
    const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
    const signed = (claims: Record<string, unknown>) => {
      const input = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url(claims)}`
      return `${input}.${createHmac("sha256", "y".repeat(32)).update(input).digest("base64url")}`
    }
    const now = Math.floor(Date.now() / 1000)
    const claims = { sub: "user-admin", tenant_id: crypto.randomUUID(), role: "admin", iat: now }
    assert.strictEqual((await request(signed({ ...claims, exp: now + 600 }), "GET", STATUS)).status, 200)
    for (const token of [signed(claims), signed({ ...claims, exp: now + 365 * 86400 })]) {
      const response = await request(token, "GET", STATUS)
      assert.strictEqual(response.status, 401)
      assert.strictEqual(response.headers.get("www-authenticate"), 'Bearer realm="api"')
    }
  })

  it("start: 403 for a member; for marketing the dialog URL and the browser-binding cookie on the ads callback path", async () => {
    const member = await request(session("member").token, "POST", "/api/integrations/meta/ads/start")
    assert.strictEqual(member.status, 403)
    assert.deepStrictEqual(await member.json(), {
      error: { code: "forbidden", message: "You are not allowed to connect Meta Ads." }
    })
    const started = await request(session("marketing").token, "POST", "/api/integrations/meta/ads/start")
    assert.strictEqual(started.status, 200)
    const body = (await started.json()) as { authUrl: string; state: string }
    assert.include(body.authUrl, "config_id=556677")
    assert.notInclude(body.authUrl, "scope=")
    const cookie = started.headers.get("set-cookie") ?? ""
    assert.match(cookie, /^meta_oauth_ads_[A-Za-z0-9_-]{16}=[0-9a-f]{64};/)
    assert.match(cookie, /HttpOnly/i)
    assert.match(cookie, /SameSite=Lax/i)
    assert.match(cookie, /Path=\/api\/integrations\/meta\/ads\/callback/)
    assert.match(cookie, /Secure/i)
  })

  it("callback → 302 ?meta_ads=connected; status lists the Business Managers, pending the choice", async () => {
    const who = session("marketing")
    const back = await connect(who.token, 2)
    assert.strictEqual(back.status, 302)
    assert.strictEqual(location(back), `${APP}/settings/integrations?meta_ads=connected`)
    assert.match(back.headers.get("set-cookie") ?? "", /^meta_oauth_ads_[A-Za-z0-9_-]{16}=;.*(Max-Age=0|Expires=)/i)
    const status = await request(who.token, "GET", "/api/integrations/meta/ads/status")
    const view = (await status.json()) as Record<string, unknown>
    assert.strictEqual(view["status"], "pending")
    assert.strictEqual(view["pendingReason"], "choose_ad_account")
    assert.lengthOf(view["businessManagers"] as Array<unknown>, 1)
    assert.notMatch(JSON.stringify(view), /EAA[A-Za-z0-9]{20,}/)
  })

  it("callback failures redirect with their reason", async () => {
    const who = session("admin")
    assert.strictEqual(
      location(await connect(who.token, 1, { cookie: false })),
      `${APP}/settings/integrations?meta_ads=error&reason=state_invalid`
    )
    assert.strictEqual(
      location(await connect(who.token, 1, { cancel: true })),
      `${APP}/settings/integrations?meta_ads=error&reason=cancelled`
    )
    assert.strictEqual(
      location(await connect(who.token, 0)),
      `${APP}/settings/integrations?meta_ads=error&reason=no_ad_account`
    )
    const status = await request(who.token, "GET", "/api/integrations/meta/ads/status")
    assert.strictEqual(((await status.json()) as Record<string, unknown>)["status"], "not_connected")
  })

  it("a callback replayed in the same browser says state_used, with or without the expired cookie", async () => {
    const who = session("admin")
    const { code } = await granted(1)
    const started = await request(who.token, "POST", "/api/integrations/meta/ads/start")
    const { state } = (await started.json()) as { state: string }
    const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
    const callback = `${META_ADS_CALLBACK_PATH}?code=${code}&state=${state}`
    const first = await request(null, "GET", callback, { cookie })
    assert.strictEqual(location(first), `${APP}/settings/integrations?meta_ads=connected`)
    // The callback expires the binding cookie, so the browser's replay (back button, reload) comes without it.
    assert.match(
      first.headers.get("set-cookie") ?? "",
      /^meta_oauth_ads_[A-Za-z0-9_-]{16}=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i
    )
    const replay = await request(null, "GET", callback)
    assert.strictEqual(location(replay), `${APP}/settings/integrations?meta_ads=error&reason=state_used`)
    const withCookie = await request(null, "GET", callback, { cookie })
    assert.strictEqual(location(withCookie), `${APP}/settings/integrations?meta_ads=error&reason=state_used`)
  })

  it("an unused state opened without its cookie is state_invalid and stays usable by its own browser", async () => {
    const who = session("admin")
    const { code } = await granted(1)
    const started = await request(who.token, "POST", "/api/integrations/meta/ads/start")
    const { state } = (await started.json()) as { state: string }
    const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
    const callback = `${META_ADS_CALLBACK_PATH}?code=${code}&state=${state}`
    // Another browser's cookie of the same name (a wrong binding) is no binding.
    const elsewhere = await request(null, "GET", callback, { cookie: `${cookie.split("=")[0]}=0000` })
    assert.strictEqual(location(elsewhere), `${APP}/settings/integrations?meta_ads=error&reason=state_invalid`)
    const own = await request(null, "GET", callback, { cookie })
    assert.strictEqual(location(own), `${APP}/settings/integrations?meta_ads=connected`)
  })

  it("two logins started in one browser each keep their binding; a callback expires only its own", async () => {
    const who = session("admin")
    const startOne = async () => {
      const started = await request(who.token, "POST", "/api/integrations/meta/ads/start")
      const { state } = (await started.json()) as { state: string }
      return { state, cookie: (started.headers.get("set-cookie") ?? "").split(";")[0]! }
    }
    const first = await startOne()
    const second = await startOne()
    assert.notStrictEqual(first.cookie.split("=")[0], second.cookie.split("=")[0])
    // The browser sends both cookies to the callback path.
    const jar = `${first.cookie}; ${second.cookie}`
    const firstBack = await request(
      null,
      "GET",
      `${META_ADS_CALLBACK_PATH}?code=${(await granted(1)).code}&state=${first.state}`,
      {
        cookie: jar
      }
    )
    assert.strictEqual(location(firstBack), `${APP}/settings/integrations?meta_ads=connected`)
    const expired = firstBack.headers.getSetCookie()
    assert.lengthOf(expired, 1)
    assert.strictEqual(expired[0]!.split("=")[0], first.cookie.split("=")[0])
    const secondBack = await request(
      null,
      "GET",
      `${META_ADS_CALLBACK_PATH}?code=${(await granted(1)).code}&state=${second.state}`,
      { cookie: second.cookie }
    )
    assert.strictEqual(location(secondBack), `${APP}/settings/integrations?meta_ads=connected`)
  })

  it("test-connection for any member, 5 a minute per tenant, then 429 with Retry-After", async () => {
    const admin = session("admin")
    assert.strictEqual(location(await connect(admin.token, 1)), `${APP}/settings/integrations?meta_ads=connected`)
    const member = session("member", admin.tenantId)
    const answers: Array<Response> = []
    // GET (the CRM report's method) and POST are one operation, sharing the budget.
    for (let i = 0; i < 6; i++)
      answers.push(
        await request(member.token, i % 2 === 0 ? "GET" : "POST", "/api/integrations/meta/ads/test-connection")
      )
    assert.deepStrictEqual(
      answers.map((r) => r.status),
      [200, 200, 200, 200, 200, 429]
    )
    const first = (await answers[0]!.json()) as Record<string, unknown>
    assert.strictEqual(first["ok"], true)
    assert.strictEqual(first["adAccountCount"], 1)
    assert.deepStrictEqual(
      (first["checks"] as Array<{ name: string; ok: boolean }>).map((c) => [c.name, c.ok]),
      [
        ["token", true],
        ["permissions", true],
        ["ad_account", true]
      ]
    )
    assert.isString(first["tokenExpiresAt"])
    assert.isAbove(Number(answers[5]!.headers.get("retry-after")), 0)
    assert.strictEqual(((await answers[5]!.json()) as { error: { code: string } }).error.code, "rate_limited")
    // Another tenant has its own budget.
    const other = await request(session("member").token, "POST", "/api/integrations/meta/ads/test-connection")
    assert.strictEqual(other.status, 200)
  })

  it("token-debug is for operators; disconnect for admin and marketing", async () => {
    const admin = session("admin")
    await connect(admin.token, 1)
    const marketing = session("marketing", admin.tenantId)
    const member = session("member", admin.tenantId)
    assert.strictEqual((await request(marketing.token, "GET", "/api/integrations/meta/ads/token-debug")).status, 403)
    const debug = await request(admin.token, "GET", "/api/integrations/meta/ads/token-debug")
    assert.strictEqual(debug.status, 200)
    const text = await debug.text()
    assert.include(text, '"isValid":true')
    assert.include(text, '"ads_read"')
    assert.notMatch(text, /EAA[A-Za-z0-9]{20,}/)

    const refused = await request(member.token, "POST", "/api/integrations/meta/ads/disconnect")
    assert.strictEqual(refused.status, 403)
    const disconnected = await request(marketing.token, "POST", "/api/integrations/meta/ads/disconnect")
    assert.strictEqual(disconnected.status, 200)
    assert.deepInclude(await disconnected.json(), { status: "revoked", connected: false })
  })
})
