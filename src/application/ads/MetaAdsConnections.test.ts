import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import {
  ADS_CONFIG_ID,
  ADS_REDIRECT,
  APP_ID,
  approvedCallback,
  MemoryPorts,
  TestSettings,
  testActor
} from "../../../test/support/ConnectTestKit.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory, MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import { MetaPermissionMissing, MetaRateLimited, MetaUnavailable } from "../../domain/Errors.ts"
import type { TenantId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { browserBinding, callbackReason, MAX_UNUSED_OAUTH_STATES } from "../connect/OAuthFlow.ts"
import { WhatsAppConnections } from "../connect/WhatsAppConnections.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import type { AdAccount, MetaGraphError } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { MetaAdsConnections } from "./MetaAdsConnections.ts"

const TestLayer = Layer.mergeAll(MetaAdsConnections.layer, WhatsAppConnections.layer).pipe(
  Layer.provideMerge(MemoryPorts)
)
const actor = (role: Actor["role"] = "marketing") => testActor(role)

let sequence = 0
const ids = () => {
  sequence++
  const n = String(sequence).padStart(3, "0")
  return {
    business: `7000000000000${n}`,
    agency: `7100000000000${n}`,
    owned1: `act_8000000000000${n}`,
    owned2: `act_8100000000000${n}`,
    client: `act_8200000000000${n}`,
    code: `ads-code-${sequence}`,
    token: `EAAads${sequence}${"x".repeat(40)}`
  }
}

const SCOPES = ["ads_management", "ads_read", "business_management"] as const

/**
 * The person approved the ads dialog: by default two Business Managers (one with two owned ad accounts, one with a
 * client ad account), as in the sandbox's seed. Returns the callback input Meta's redirect carries.
 */
const approved = (
  who: Actor,
  options: {
    single?: boolean
    noAccounts?: boolean
    granted?: ReadonlyArray<string>
    appId?: string
    /** The Meta user (two workspaces can connect with the same person). */
    userId?: string
    /** `/me/adaccounts` (given the login's ids): by default none. */
    personal?: (id: ReturnType<typeof ids>) => ReadonlyArray<AdAccount>
    /** The first business's ad accounts cannot be read. */
    firstFails?: MetaGraphError
  } = {}
) =>
  Effect.gen(function* () {
    const meta = yield* MetaGraphMemoryControl
    const id = ids()
    const account = (accountId: string, name: string, currency: string) => ({
      id: accountId,
      name,
      currency,
      accountStatus: "active" as const
    })
    yield* meta.addBusiness({
      id: id.business,
      name: "Acme Business",
      ...(options.firstFails === undefined ? {} : { adAccountsError: options.firstFails }),
      ownedAdAccounts: options.noAccounts
        ? []
        : options.single
          ? [account(id.owned1, "Acme (USD)", "USD")]
          : [account(id.owned1, "Acme (USD)", "USD"), account(id.owned2, "Acme (EUR)", "EUR")]
    })
    yield* meta.addBusiness({
      id: id.agency,
      name: "Agency Client",
      clientAdAccounts: options.noAccounts || options.single ? [] : [account(id.client, "Client Campaigns", "GBP")]
    })
    const businessIds = options.single ? [id.business] : [id.business, id.agency]
    const accounts = [id.owned1, id.owned2, id.client]
    yield* meta.grant({
      code: id.code,
      redirectUri: ADS_REDIRECT,
      token: id.token,
      wabaIds: [],
      businessIds,
      scopes: (options.granted ?? SCOPES).map((scope) => ({
        scope,
        targetIds: scope === "business_management" ? businessIds : accounts
      })),
      // The dialog's short-lived user token: two hours.
      expiresAt: 2 * 3600,
      ...(options.appId === undefined ? {} : { appId: options.appId }),
      ...(options.userId === undefined ? {} : { userId: options.userId }),
      ...(options.personal === undefined ? {} : { personalAdAccounts: options.personal(id) })
    })
    const started = yield* (yield* MetaAdsConnections).start(who)
    return { input: approvedCallback(started, id.code, who), id, started }
  })

const auditActions = Effect.fnUntraced(function* (tenantId: TenantId) {
  const page = yield* (yield* AuditLog).list(tenantId, { first: 50 })
  return page.items.map((edge) => edge.node)
})

describe("MetaAdsConnections", () => {
  it.effect("start builds the ads dialog (the Ads config_id, no scope, the ads redirect) for admin and marketing", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      for (const role of ["admin", "marketing"] as const) {
        const started = yield* ads.start(actor(role))
        const url = new URL(started.authUrl)
        assert.strictEqual(`${url.origin}${url.pathname}`, "https://www.facebook.com/v24.0/dialog/oauth")
        assert.strictEqual(url.searchParams.get("client_id"), APP_ID)
        assert.strictEqual(url.searchParams.get("redirect_uri"), ADS_REDIRECT)
        assert.strictEqual(url.searchParams.get("state"), started.state)
        assert.strictEqual(url.searchParams.get("response_type"), "code")
        // A Business app refuses a scope-only login: the Ads configuration (FLB, "User access token") instead.
        assert.strictEqual(url.searchParams.get("config_id"), ADS_CONFIG_ID)
        assert.isNull(url.searchParams.get("scope"))
        assert.strictEqual(started.browserBinding, yield* browserBinding(started.state))
      }
      const refused = yield* ads.start(actor("member")).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "Forbidden")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a tenant keeps its 20 newest unused states: starting a 21st removes the oldest (state_invalid)", () =>
    Effect.gen(function* () {
      const who = actor()
      const ads = yield* MetaAdsConnections
      const oldest = yield* ads.start(who)
      for (let index = 2; index < MAX_UNUSED_OAUTH_STATES + 1; index++) yield* ads.start(who)
      const { input } = yield* approved(who)
      const removed = yield* ads
        .complete({ ...input, state: oldest.state, cookieBinding: oldest.browserBinding })
        .pipe(Effect.flip)
      assert.strictEqual(removed._tag, "OAuthStateNotFound")
      assert.strictEqual(callbackReason(removed), "state_invalid")
      assert.strictEqual((yield* ads.complete(input)).status, "pending")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "callback: long-lived token stored encrypted, businesses listed, pending until an ad account is chosen",
    () =>
      Effect.gen(function* () {
        const who = actor()
        const ads = yield* MetaAdsConnections
        const { input, id } = yield* approved(who)
        const connection = yield* ads.complete(input)
        assert.strictEqual(connection.status, "pending")
        assert.strictEqual(connection.provider, "meta_ads")
        assert.sameMembers([...connection.scopes], [...SCOPES])
        // The stored token is the long-lived one (about 60 days), never the dialog's two-hour token.
        const plain = yield* (yield* TokenCipher).decrypt(connection.accessTokenEnc!, {
          tenantId: who.tenantId,
          provider: "meta_ads"
        })
        assert.match(Redacted.value(plain), /-long-/)
        assert.notInclude(connection.accessTokenEnc!, id.token)
        assert.strictEqual(connection.tokenExpiresAt?.getTime(), 60 * 24 * 3600 * 1000)
        const meta = yield* MetaGraphMemoryControl
        assert.include(
          (yield* meta.calls).map((c) => c.method),
          "exchangeLongLived"
        )

        const view = yield* ads.status(who)
        assert.strictEqual(view.status, "pending")
        assert.strictEqual(view.pendingReason, "choose_ad_account")
        assert.isFalse(view.connected)
        assert.deepStrictEqual(view.businessManagers, [
          {
            id: id.business,
            name: "Acme Business",
            personal: false,
            adAccounts: [
              { id: id.owned1, name: "Acme (USD)", currency: "USD", accountStatus: "active" as const },
              { id: id.owned2, name: "Acme (EUR)", currency: "EUR", accountStatus: "active" as const }
            ]
          },
          {
            id: id.agency,
            name: "Agency Client",
            personal: false,
            adAccounts: [{ id: id.client, name: "Client Campaigns", currency: "GBP", accountStatus: "active" as const }]
          }
        ])
        assert.isNull(view.selectedAdAccountId)
        assert.isNotNull(view.user)

        // Only an account of the chosen Business Manager, and only admins and marketing, may select.
        const crossed = yield* ads
          .selectAdAccount(who, { businessManagerId: id.business, adAccountId: id.client })
          .pipe(Effect.flip)
        assert.strictEqual(crossed._tag, "AdAccountNotGranted")
        const unknown = yield* ads
          .selectAdAccount(who, { businessManagerId: "999", adAccountId: id.owned1 })
          .pipe(Effect.flip)
        assert.strictEqual(unknown._tag, "AdAccountNotGranted")
        const member = yield* ads
          .selectAdAccount({ ...who, role: "member" }, { businessManagerId: id.agency, adAccountId: id.client })
          .pipe(Effect.flip)
        assert.strictEqual(member._tag, "Forbidden")
        assert.strictEqual((yield* ads.status(who)).status, "pending")

        const selected = yield* ads.selectAdAccount(who, { businessManagerId: id.agency, adAccountId: id.client })
        assert.strictEqual(selected.status, "active")
        assert.isTrue(selected.connected)
        assert.strictEqual(selected.selectedBusinessManagerId, id.agency)
        assert.strictEqual(selected.selectedAdAccountId, id.client)
        assert.isNull(selected.pendingReason)

        const actions = (yield* auditActions(who.tenantId)).map((entry) => entry.action)
        assert.includeMembers(actions, ["meta_ads.connected", "meta_ads.ad_account_selected"])
        const audit = JSON.stringify(yield* auditActions(who.tenantId))
        assert.notInclude(audit, id.token)
        assert.notInclude(audit, id.code)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("one Business Manager with one ad account is selected at once: active", () =>
    Effect.gen(function* () {
      const who = actor("admin")
      const ads = yield* MetaAdsConnections
      const { input, id } = yield* approved(who, { single: true })
      const connection = yield* ads.complete(input)
      assert.strictEqual(connection.status, "active")
      const view = yield* ads.status(who)
      assert.strictEqual(view.selectedBusinessManagerId, id.business)
      assert.strictEqual(view.selectedAdAccountId, id.owned1)
      assert.isNull(view.pendingReason)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("cancel, another browser, and the state's failures each fail with their own error; all audited", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const { input } = yield* approved(who)
      assert.strictEqual(
        (yield* ads.complete({ ...input, cookieBinding: "0".repeat(64) }).pipe(Effect.flip))._tag,
        "OAuthStateMismatch"
      )
      assert.strictEqual(
        (yield* ads.complete({ ...input, cookieBinding: null }).pipe(Effect.flip))._tag,
        "OAuthStateMismatch"
      )
      yield* ads.complete(input)
      assert.strictEqual((yield* ads.complete(input).pipe(Effect.flip))._tag, "OAuthStateAlreadyUsed")
      const unknown = yield* ads
        .complete({ ...input, state: "nope", cookieBinding: yield* browserBinding("nope") })
        .pipe(Effect.flip)
      assert.strictEqual(unknown._tag, "OAuthStateNotFound")

      // A WhatsApp state does not complete an ads login.
      const whatsapp = yield* (yield* WhatsAppConnections).start(actor("admin"))
      const foreign = yield* ads
        .complete({ ...input, state: whatsapp.state, cookieBinding: whatsapp.browserBinding })
        .pipe(Effect.flip)
      assert.strictEqual(foreign._tag, "OAuthStateNotFound")

      const late = yield* approved(actor())
      yield* TestClock.adjust("11 minutes")
      assert.strictEqual((yield* ads.complete(late.input).pipe(Effect.flip))._tag, "OAuthStateExpired")

      const cancelling = actor()
      const cancelled = yield* approved(cancelling)
      const cancel = yield* ads
        .complete({ ...cancelled.input, code: null, error: "access_denied", errorReason: "user_denied" })
        .pipe(Effect.flip)
      assert.strictEqual(cancel._tag, "OAuthCancelled")
      assert.strictEqual(callbackReason(cancel), "cancelled")
      const failed = (yield* auditActions(cancelling.tenantId)).find((e) => e.action === "meta_ads.connect_failed")
      assert.deepStrictEqual(failed?.details, { reason: "cancelled", error: "OAuthCancelled" })
      assert.strictEqual((yield* ads.status(cancelling)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a missing ads permission names it; a token of another app is refused; nothing is stored", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const { input } = yield* approved(who, { granted: ["ads_management", "business_management"] })
      const error = yield* ads.complete(input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaPermissionMissing")
      assert.deepStrictEqual(error._tag === "MetaPermissionMissing" ? error.permissions : [], ["ads_read"])
      assert.strictEqual(callbackReason(error), "missing_permissions")
      assert.strictEqual((yield* ads.status(who)).status, "not_connected")

      const other = actor()
      const foreign = yield* approved(other, { appId: "9999999999999999" })
      assert.strictEqual((yield* ads.complete(foreign.input).pipe(Effect.flip))._tag, "MetaTokenInvalid")
      assert.strictEqual((yield* ads.status(other)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("no ad account shared is NoAdAccountGranted (reason no_ad_account) and writes nothing", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const { input } = yield* approved(who, { noAccounts: true })
      const error = yield* ads.complete(input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "NoAdAccountGranted")
      assert.strictEqual(callbackReason(error), "no_ad_account")
      assert.strictEqual((yield* ads.status(who)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a Graph failure at any step leaves nothing written, and starting again works", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const meta = yield* MetaGraphMemoryControl
      for (const method of ["exchangeCode", "exchangeLongLived", "debugToken", "me", "listBusinesses"] as const) {
        const who = actor()
        const { input } = yield* approved(who)
        yield* meta.failWith(method, new MetaUnavailable({ detail: "boom" }))
        const error = yield* ads.complete(input).pipe(Effect.flip)
        assert.strictEqual(error._tag, "MetaUnavailable", method)
        assert.strictEqual(callbackReason(error), "meta_error", method)
        assert.isTrue(Option.isNone(yield* (yield* ConnectionRepository).findCurrent(who.tenantId, "meta_ads")), method)
        const again = yield* approved(who)
        assert.strictEqual((yield* ads.complete(again.input)).status, "pending", method)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("test-connection reports the user, expiry and ad-account count; a revoked token turns it to error", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const meta = yield* MetaGraphMemoryControl
      const nobody = yield* ads.testConnection(actor("member"))
      assert.isFalse(nobody.ok)
      assert.strictEqual(nobody.error, "Meta Ads is not connected.")

      const who = actor()
      const { input, id } = yield* approved(who)
      const connection = yield* ads.complete(input)
      const member = { ...who, role: "member" as const }
      // Before an ad account is chosen: the token checks pass, the ad account check says what is missing.
      const unchosen = yield* ads.testConnection(member)
      assert.isFalse(unchosen.ok)
      assert.deepStrictEqual(
        unchosen.checks.map((c) => [c.name, c.ok]),
        [
          ["token", true],
          ["permissions", true],
          ["ad_account", false]
        ]
      )
      assert.strictEqual(unchosen.error, "no ad account is selected yet")
      yield* ads.selectAdAccount(who, { businessManagerId: id.business, adAccountId: id.owned1 })
      const passed = yield* ads.testConnection(member)
      assert.isTrue(passed.ok)
      assert.deepStrictEqual(
        passed.checks.map((c) => [c.name, c.ok]),
        [
          ["token", true],
          ["permissions", true],
          ["ad_account", true]
        ]
      )
      assert.include(passed.checks[2]!.detail, "Acme (USD)")
      assert.isNotNull(passed.user)
      assert.strictEqual(passed.adAccountCount, 3)
      assert.deepStrictEqual(passed.tokenExpiresAt, connection.tokenExpiresAt)
      assert.isNull(passed.error)
      assert.include(
        (yield* meta.calls).map((c) => c.method),
        "getAdAccount"
      )

      // The ad account cannot be read now (Meta throttles it): the ad account check fails with why, and the tenant's
      // throttle count goes up (kept on its connection, not as a metric label).
      yield* meta.failWith("getAdAccount", new MetaRateLimited({ code: 80004, retryAfterSeconds: 120 }))
      const throttled = yield* ads.testConnection(member)
      assert.isFalse(throttled.ok)
      assert.deepStrictEqual(throttled.checks[2], {
        name: "ad_account",
        ok: false,
        detail: "Meta is rate limiting requests (code 80004). Try again later."
      })
      const row = yield* (yield* ConnectionRepository).findCurrent(who.tenantId, "meta_ads")
      assert.strictEqual(Option.getOrThrow(row).metadata["throttled_calls"], 1)

      // The person removed ads_management in their Facebook settings: /me would still answer; the test fails.
      yield* meta.revokeScope(id.token, "ads_management")
      const revokedScope = yield* ads.testConnection(member)
      assert.isFalse(revokedScope.ok)
      assert.deepStrictEqual(revokedScope.checks[1], {
        name: "permissions",
        ok: false,
        detail: "missing: ads_management"
      })
      assert.include(revokedScope.error!, "ads_management")

      // The person removed the app at Meta: every token of the grant answers 190.
      yield* meta.revokeToken(id.token)
      const failed = yield* ads.testConnection(member)
      assert.isFalse(failed.ok)
      assert.match(failed.error!, /Reconnect/)
      const view = yield* ads.status(who)
      assert.strictEqual(view.status, "error")
      assert.match(view.error!, /Reconnect/)
      const actions = (yield* auditActions(who.tenantId)).map((entry) => entry.action)
      assert.include(actions, "meta_ads.token_invalid")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("token debug: validity, expiry and scopes for operators only, never the token", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor("admin")
      const { input, id } = yield* approved(who)
      yield* ads.complete(input)
      const debug = yield* ads.tokenDebug(who)
      assert.isTrue(debug.isValid)
      assert.strictEqual(debug.expiresAt?.getTime(), 60 * 24 * 3600 * 1000)
      assert.sameMembers([...debug.scopes], [...SCOPES])
      assert.notInclude(JSON.stringify(debug), id.token)
      for (const role of ["marketing", "member"] as const) {
        assert.strictEqual((yield* ads.tokenDebug({ ...who, role }).pipe(Effect.flip))._tag, "Forbidden")
      }
      const flagged = yield* ads.tokenDebug({ ...who, role: "marketing", flags: ["integration_debug"] })
      assert.isTrue(flagged.isValid)
      yield* (yield* MetaGraphMemoryControl).revokeToken(id.token)
      assert.isFalse((yield* ads.tokenDebug(who)).isValid)
      assert.strictEqual((yield* ads.tokenDebug(actor("admin")).pipe(Effect.flip))._tag, "MetaAdsNotConnected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "disconnect (admin, marketing): revoked at Meta, token erased, audited; reconnecting keeps the choice",
    () =>
      Effect.gen(function* () {
        const ads = yield* MetaAdsConnections
        const meta = yield* MetaGraphMemoryControl
        const who = actor()
        const { input, id } = yield* approved(who)
        const connected = yield* ads.complete(input)
        yield* ads.selectAdAccount(who, { businessManagerId: id.business, adAccountId: id.owned2 })

        assert.strictEqual((yield* ads.disconnect({ ...who, role: "member" }).pipe(Effect.flip))._tag, "Forbidden")
        const view = yield* ads.disconnect(who)
        assert.strictEqual(view.status, "revoked")
        assert.isFalse(view.connected)
        assert.deepStrictEqual(view.businessManagers, [])
        assert.isTrue((yield* meta.revokedGrants).some((g) => g.code === id.code && g.by === "revokePermissions"))
        const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(who.tenantId, connected.id))
        assert.isNull(row.accessTokenEnc)
        assert.isNull(row.tokenExpiresAt)
        const disconnected = (yield* auditActions(who.tenantId)).find((e) => e.action === "meta_ads.disconnected")
        assert.deepStrictEqual(disconnected?.details, { at_meta: ["permissions_revoked"] })
        assert.strictEqual(
          (yield* ads.testConnection(who)).error,
          "Meta Ads is not connected (the connection is revoked). Connect again."
        )

        // Reconnect: the same row, and the ad account chosen before is kept when the login shares it again.
        const again = yield* approved(who)
        yield* meta.addBusiness({
          id: id.business,
          name: "Acme Business",
          ownedAdAccounts: [{ id: id.owned2, name: "Acme (EUR)", currency: "EUR", accountStatus: "active" as const }]
        })
        yield* meta.grant({
          code: `${again.id.code}-same`,
          redirectUri: ADS_REDIRECT,
          token: `${again.id.token}same`,
          wabaIds: [],
          scopes: SCOPES.map((scope) => ({
            scope,
            targetIds: scope === "business_management" ? [id.business, again.id.business] : [id.owned2]
          }))
        })
        const reconnected = yield* ads.complete({ ...again.input, code: Redacted.make(`${again.id.code}-same`) })
        assert.strictEqual(reconnected.id, connected.id)
        assert.strictEqual(reconnected.status, "active")
        assert.strictEqual((yield* ads.status(who)).selectedAdAccountId, id.owned2)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("disconnect goes through locally when Meta fails; none to disconnect is NOT_CONNECTED", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor("admin")
      yield* ads.complete((yield* approved(who)).input)
      yield* (yield* MetaGraphMemoryControl).failWith("revokePermissions", new MetaUnavailable({ detail: "down" }))
      assert.strictEqual((yield* ads.disconnect(who)).status, "revoked")
      assert.strictEqual((yield* ads.disconnect(actor("admin"))).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a token that does not decrypt (wrong key) is our fault: test-connection says so and changes nothing", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const { input } = yield* approved(who)
      const connection = yield* ads.complete(input)
      const foreign = yield* Effect.gen(function* () {
        return yield* (yield* TokenCipher).encrypt(Redacted.make("EAAforeign".padEnd(60, "f")), {
          tenantId: who.tenantId,
          provider: "meta_ads"
        })
      }).pipe(Effect.provide(layerFromKeys({ active: new Uint8Array(32).fill(9), previous: [] })))
      yield* (yield* ConnectionRepository).update(who.tenantId, connection.id, { accessTokenEnc: foreign })
      const tested = yield* ads.testConnection(who)
      assert.isFalse(tested.ok)
      assert.match(tested.error!, /configuration fault/)
      const view = yield* ads.status(who)
      assert.strictEqual(view.status, connection.status)
      assert.notInclude(
        (yield* auditActions(who.tenantId)).map((entry) => entry.action),
        "meta_ads.token_invalid"
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("one business that cannot be read does not fail the login: the others are kept, the failure recorded", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const { input, id } = yield* approved(who, {
        firstFails: new MetaPermissionMissing({ permissions: ["ads_read"] })
      })
      const connection = yield* ads.complete(input)
      assert.strictEqual(connection.status, "active", "the agency's single account is selected")
      const view = yield* ads.status(who)
      assert.deepStrictEqual(
        view.businessManagers.map((b) => b.id),
        [id.agency]
      )
      assert.deepStrictEqual(view.unreadableBusinesses, [
        {
          id: id.business,
          name: "Acme Business",
          kind: "permission",
          reason: "Meta did not grant the permission ads_read."
        }
      ])
      const connected = (yield* auditActions(who.tenantId)).find((e) => e.action === "meta_ads.connected")
      assert.deepStrictEqual(connected?.details["unreadable_business_managers"], [
        { id: id.business, kind: "permission" }
      ])

      // Meta unavailable for that business (5xx after the adapter's retries): the same, as `unavailable`.
      const other = actor()
      yield* approved(other, { firstFails: new MetaUnavailable({ detail: "HTTP 500" }) }).pipe(
        Effect.flatMap(({ input }) => ads.complete(input))
      )
      assert.strictEqual((yield* ads.status(other)).unreadableBusinesses[0]?.kind, "unavailable")

      // Nothing readable at all: the login fails and writes nothing.
      const nothing = actor()
      const single = yield* approved(nothing, {
        single: true,
        firstFails: new MetaPermissionMissing({ permissions: ["ads_read"] })
      })
      const error = yield* ads.complete(single.input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaPermissionMissing")
      assert.strictEqual((yield* ads.status(nothing)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the person's own ad accounts (/me/adaccounts) are listed too, each account once", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const who = actor()
      const own = {
        id: "act_9000000000000001",
        name: "Dana (personal)",
        currency: "USD",
        accountStatus: "active" as const
      }
      const { input } = yield* approved(who, {
        // /me/adaccounts also lists the business account assigned to the person.
        personal: (id) => [
          own,
          { id: id.owned1, name: "Acme (USD)", currency: "USD", accountStatus: "active" as const }
        ]
      })
      yield* ads.complete(input)
      const view = yield* ads.status(who)
      const personal = view.businessManagers.find((b) => b.personal)
      assert.deepStrictEqual(personal?.adAccounts, [own])
      const all = view.businessManagers.flatMap((b) => b.adAccounts.map((a) => a.id))
      assert.strictEqual(new Set(all).size, all.length, "no account twice")
      assert.strictEqual(all.length, 4)
      // A personal account can be chosen like a business one.
      const chosen = yield* ads.selectAdAccount(who, { businessManagerId: personal!.id, adAccountId: own.id })
      assert.strictEqual(chosen.selectedAdAccountId, own.id)
      assert.strictEqual(chosen.status, "active")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("disconnect revokes at Meta only when no other workspace's connection uses the same Meta user", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const meta = yield* MetaGraphMemoryControl
      const first = actor("admin")
      const second = actor("admin")
      const metaUser = "100000000000777"
      yield* approved(first, { single: true, userId: metaUser }).pipe(
        Effect.flatMap(({ input }) => ads.complete(input))
      )
      const other = yield* approved(second, { single: true, userId: metaUser })
      yield* ads.complete(other.input)
      assert.strictEqual((yield* ads.status(first)).user?.id, metaUser)

      const view = yield* ads.disconnect(first)
      assert.strictEqual(view.status, "revoked")
      assert.deepStrictEqual(yield* meta.revokedGrants, [], "DELETE /me/permissions would cut the second off")
      const kept = (yield* auditActions(first.tenantId)).find((e) => e.action === "meta_ads.disconnected")
      assert.deepStrictEqual(kept?.details, { at_meta: [] })
      // The second workspace still works.
      yield* ads.selectAdAccount(second, { businessManagerId: other.id.business, adAccountId: other.id.owned1 })
      assert.isTrue((yield* ads.testConnection(second)).ok)

      // The last one to go revokes at Meta.
      yield* ads.disconnect(second)
      assert.strictEqual((yield* meta.revokedGrants).length, 1)
      const revoked = (yield* auditActions(second.tenantId)).find((e) => e.action === "meta_ads.disconnected")
      assert.deepStrictEqual(revoked?.details, { at_meta: ["permissions_revoked"] })
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "tokens are renewed before they expire; warned 7 days ahead when renewal fails; Reconnect once expired",
    () =>
      Effect.gen(function* () {
        const ads = yield* MetaAdsConnections
        const meta = yield* MetaGraphMemoryControl
        const who = actor()
        const { input } = yield* approved(who, { single: true })
        const connection = yield* ads.complete(input)
        const sixtyDays = 60 * 24 * 3600 * 1000
        assert.strictEqual(connection.tokenExpiresAt?.getTime(), sixtyDays)
        const fresh = yield* ads.status(who)
        assert.strictEqual(fresh.tokenState, "valid")
        assert.strictEqual(fresh.dataAccessExpiresAt?.getTime(), 90 * 24 * 3600 * 1000)

        // Not due yet: nothing is exchanged.
        assert.deepStrictEqual(yield* ads.renewTokens, { checked: 0, renewed: 0, failed: 0, deferred: 0 })
        // 50 days on, within RENEW_BEFORE (14 days): a fresh long-lived token, 60 days from now.
        yield* TestClock.adjust("50 days")
        assert.deepStrictEqual(yield* ads.renewTokens, { checked: 1, renewed: 1, failed: 0, deferred: 0 })
        const renewed = yield* ads.status(who)
        assert.strictEqual(renewed.tokenExpiresAt?.getTime(), 50 * 86_400_000 + sixtyDays)
        assert.strictEqual(renewed.tokenState, "valid")
        // Not again within a day once a renewal extended the token.
        assert.strictEqual((yield* ads.renewTokens).checked, 0)
        assert.include(
          (yield* auditActions(who.tenantId)).map((e) => e.action),
          "meta_ads.token_renewed"
        )

        // Renewal does not extend data access (90 days from the login): 7 days before it ends, "expiring".
        yield* TestClock.adjust("34 days")
        const warned = yield* ads.status(who)
        assert.strictEqual(warned.tokenState, "expiring")
        assert.isTrue(warned.tokenExpiringSoon)
        yield* TestClock.adjust("7 days")
        assert.strictEqual((yield* ads.status(who)).tokenState, "expired", "data access ended: Reconnect")

        // Due again (day 97 of a token ending on day 110): Meta unavailable defers, then Meta refuses the renewal.
        yield* TestClock.adjust("6 days")
        yield* meta.failWith("exchangeLongLived", new MetaUnavailable({ detail: "down" }), "always")
        assert.deepStrictEqual(yield* ads.renewTokens, { checked: 1, renewed: 0, failed: 0, deferred: 1 })
        yield* meta.clearFailures
        assert.deepStrictEqual(yield* ads.renewTokens, { checked: 1, renewed: 0, failed: 1, deferred: 0 })
        const broken = yield* ads.status(who)
        assert.strictEqual(broken.status, "error")
        assert.match(broken.error!, /Reconnect/)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("with Meta Ads off (no Ads configuration), starting the login is refused", () =>
    Effect.gen(function* () {
      const ads = yield* MetaAdsConnections
      const refused = yield* ads.start(actor("admin")).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "FeatureDisabled")
      assert.include(refused.message, "disabled")
    }).pipe(
      Effect.provide(
        MetaAdsConnections.layer.pipe(
          Layer.provideMerge(
            Layer.mergeAll(
              PersistenceMemory,
              MetaGraphMemory,
              layerFromKeys({ active: new Uint8Array(32).fill(7), previous: [] }),
              Layer.effect(
                ConnectSettings,
                Effect.gen(function* () {
                  const settings = yield* ConnectSettings
                  return ConnectSettings.of({ ...settings, adsConfigId: null })
                })
              ).pipe(Layer.provide(TestSettings))
            )
          )
        )
      )
    )
  )
})
