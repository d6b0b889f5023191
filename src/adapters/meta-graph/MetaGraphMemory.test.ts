import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { REQUIRED_WEBHOOK_FIELDS } from "../../application/health/AppWebhookCheck.ts"
import { MetaGraph } from "../../application/ports/MetaGraph.ts"
import { MetaRateLimited } from "../../domain/Errors.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import { DEFAULT_CALLBACK_URL, MetaGraphMemory, MetaGraphMemoryControl } from "./MetaGraphMemory.ts"

const REDIRECT = "http://127.0.0.1:3000/api/integrations/meta/whatsapp/callback"
const WABA = "524126980791429" as WabaId
const OTHER_WABA = "524126980791430" as WabaId
const SHOP = "106540352242922" as PhoneNumberId
const SUPPORT = "106540352242923" as PhoneNumberId
const TOKEN = "EAAG-memory-token-1"

const seed = Effect.gen(function* () {
  const control = yield* MetaGraphMemoryControl
  yield* control.addWaba({
    id: WABA,
    phoneNumbers: [
      { id: SHOP, displayPhoneNumber: "+1 555-010-1234", verifiedName: "Shop", registered: true },
      {
        id: SUPPORT,
        displayPhoneNumber: "+1 555-010-1235",
        verifiedName: "Support",
        nameStatus: "AVAILABLE_WITHOUT_REVIEW"
      }
    ]
  })
  yield* control.addWaba({ id: OTHER_WABA, phoneNumbers: [] })
  yield* control.grant({ code: "code-1", redirectUri: REDIRECT, token: TOKEN, wabaIds: [WABA] })
  return control
})

const provide = <A, E>(effect: Effect.Effect<A, E, MetaGraph | MetaGraphMemoryControl>) =>
  Effect.provide(effect, Layer.fresh(MetaGraphMemory))

describe("MetaGraphMemory", () => {
  it.effect("behaves like Meta through the connection flow", () =>
    Effect.gen(function* () {
      const control = yield* seed
      const graph = yield* MetaGraph
      const { accessToken, expiresIn } = yield* graph.exchangeCode(Redacted.make("code-1"), REDIRECT)
      assert.strictEqual(Redacted.value(accessToken), TOKEN)
      assert.isNull(expiresIn)

      const info = yield* graph.debugToken(accessToken)
      assert.isTrue(info.isValid)
      assert.strictEqual(info.expiresAt, 0)
      assert.deepStrictEqual(info.granularScopes.find((g) => g.scope === "whatsapp_business_management")?.targetIds, [
        WABA
      ])

      const numbers = yield* graph.listPhoneNumbers(accessToken, WABA)
      assert.deepStrictEqual(
        numbers.map((n) => n.id),
        [SHOP, SUPPORT]
      )
      const support = yield* graph.getPhoneNumber(accessToken, SUPPORT)
      assert.strictEqual(support.nameStatus, "AVAILABLE_WITHOUT_REVIEW")
      assert.strictEqual(support.platformType, "NOT_APPLICABLE")

      // Subscribed like a configured app; the callback is read, never written (issue 14 item 5).
      assert.deepStrictEqual(yield* graph.appSubscription(), {
        callbackUrl: DEFAULT_CALLBACK_URL,
        active: true,
        fields: [...REQUIRED_WEBHOOK_FIELDS]
      })
      yield* control.setAppSubscription({ callbackUrl: "https://example.test/webhooks", fields: ["messages"] })
      assert.deepStrictEqual(yield* control.appSubscription, {
        callbackUrl: "https://example.test/webhooks",
        fields: ["messages"]
      })
      yield* graph.subscribeApp(accessToken, WABA)
      assert.deepStrictEqual(yield* control.subscribedWabas, [WABA])

      const unregistered = yield* Effect.flip(graph.sendText(accessToken, SUPPORT, "+1 555 010 9876", "hi"))
      assert.strictEqual(unregistered._tag === "MessageRejected" ? unregistered.code : 0, 133010)
      assert.strictEqual(unregistered._tag === "MessageRejected" ? unregistered.reason : null, "number_not_registered")
      yield* graph.registerNumber(accessToken, SUPPORT, Redacted.make("123456"))
      yield* graph.registerNumber(accessToken, SUPPORT, Redacted.make("123456"))
      const otherPin = yield* Effect.flip(graph.registerNumber(accessToken, SUPPORT, Redacted.make("654321")))
      assert.strictEqual(otherPin._tag, "RegistrationPinMismatch")
      assert.deepStrictEqual(yield* control.registeredNumbers, [{ phoneNumberId: SUPPORT, pin: "123456" }])

      const sent = yield* graph.sendText(accessToken, SUPPORT, "+1 555 010 9876", "Hello")
      assert.strictEqual(sent.waId, "15550109876")
      assert.deepStrictEqual(yield* control.sentMessages, [
        { providerMessageId: sent.providerMessageId, phoneNumberId: SUPPORT, to: "15550109876", text: "Hello" }
      ])

      yield* graph.unsubscribeApp(accessToken, WABA)
      assert.deepStrictEqual(yield* control.subscribedWabas, [])
      // Embedded Signup's token belongs to a business system user: `/me/permissions` refuses it, as the sandbox does.
      assert.strictEqual(info.tokenType, "SYSTEM_USER")
      const refused = yield* Effect.flip(graph.revokePermissions(accessToken))
      assert.strictEqual(refused._tag, "MetaUnavailable")
      assert.deepStrictEqual(yield* control.revokedGrants, [])
      yield* control.grant({
        code: "code-u",
        redirectUri: REDIRECT,
        token: `${TOKEN}u`,
        wabaIds: [WABA],
        tokenType: "USER"
      })
      const user = (yield* graph.exchangeCode(Redacted.make("code-u"), REDIRECT)).accessToken
      yield* graph.revokePermissions(user)
      assert.deepStrictEqual(yield* control.revokedGrants, [
        { code: "code-u", wabaIds: [WABA], by: "revokePermissions" }
      ])
      yield* graph.revokePermissions(accessToken).pipe(Effect.ignore)
      yield* control.revokeToken(TOKEN)
      const revoked = yield* Effect.flip(graph.listPhoneNumbers(accessToken, WABA))
      assert.strictEqual(revoked._tag, "MetaTokenInvalid")
      assert.isFalse((yield* graph.debugToken(accessToken)).isValid)

      const calls = yield* control.calls
      assert.deepStrictEqual(calls[0], { method: "exchangeCode", args: { code: "code-1", redirectUri: REDIRECT } })
      assert.notInclude(JSON.stringify(calls), TOKEN)
      assert.notInclude(JSON.stringify(calls), "123456")
    }).pipe(provide)
  )

  it.effect("codes are single-use, bound to the redirect URI and expire after 30 seconds", () =>
    Effect.gen(function* () {
      const control = yield* seed
      const graph = yield* MetaGraph
      const mismatch = yield* Effect.flip(graph.exchangeCode(Redacted.make("code-1"), `${REDIRECT}/`))
      assert.strictEqual(mismatch._tag === "MetaUnavailable" ? mismatch.code : 0, 100)
      yield* graph.exchangeCode(Redacted.make("code-1"), REDIRECT)
      const reused = yield* Effect.flip(graph.exchangeCode(Redacted.make("code-1"), REDIRECT))
      assert.strictEqual(reused._tag, "MetaUnavailable")
      assert.include(reused.message, "has been used")
      const unknown = yield* Effect.flip(graph.exchangeCode(Redacted.make("nope"), REDIRECT))
      assert.strictEqual(unknown._tag === "MetaUnavailable" ? unknown.code : 0, 100)

      yield* control.grant({ code: "code-2", redirectUri: REDIRECT, token: "EAAG-2", wabaIds: [WABA] })
      yield* TestClock.adjust("31 seconds")
      const expired = yield* Effect.flip(graph.exchangeCode(Redacted.make("code-2"), REDIRECT))
      assert.include(expired.message, "expired")
    }).pipe(provide)
  )

  it.effect("debugToken of an unknown, invalid or expired token says isValid false", () =>
    Effect.gen(function* () {
      const control = yield* seed
      const graph = yield* MetaGraph
      const unknown = yield* graph.debugToken(Redacted.make("EAAG-unknown"))
      assert.isFalse(unknown.isValid)
      assert.isNotNull(unknown.error)

      yield* control.grant({
        code: "c-invalid",
        redirectUri: REDIRECT,
        token: "EAAG-i",
        wabaIds: [WABA],
        isValid: false
      })
      const invalid = (yield* graph.exchangeCode(Redacted.make("c-invalid"), REDIRECT)).accessToken
      assert.isFalse((yield* graph.debugToken(invalid)).isValid)

      yield* control.grant({ code: "c-exp", redirectUri: REDIRECT, token: "EAAG-e", wabaIds: [WABA], expiresAt: 3600 })
      const expiring = yield* graph.exchangeCode(Redacted.make("c-exp"), REDIRECT)
      assert.strictEqual(expiring.expiresIn, 3600)
      yield* TestClock.adjust("1 hour")
      const expired = yield* graph.debugToken(expiring.accessToken)
      assert.isFalse(expired.isValid)
      assert.strictEqual(expired.expiresAt, 3600)
      const call = yield* Effect.flip(graph.listPhoneNumbers(expiring.accessToken, WABA))
      assert.strictEqual(call._tag, "MetaTokenInvalid")
    }).pipe(provide)
  )

  it.effect("WABAs not granted answer code 100 (MetaUnavailable); missing scopes answer MetaPermissionMissing", () =>
    Effect.gen(function* () {
      const control = yield* seed
      const graph = yield* MetaGraph
      const token = (yield* graph.exchangeCode(Redacted.make("code-1"), REDIRECT)).accessToken
      const notGranted = yield* Effect.flip(graph.listPhoneNumbers(token, OTHER_WABA))
      assert.strictEqual(notGranted._tag, "MetaUnavailable")
      assert.strictEqual(notGranted._tag === "MetaUnavailable" ? notGranted.code : 0, 100)

      yield* control.grant({
        code: "mgmt-only",
        redirectUri: REDIRECT,
        token: "EAAG-m",
        wabaIds: [WABA],
        scopes: [{ scope: "whatsapp_business_management", targetIds: [WABA] }]
      })
      const managementOnly = (yield* graph.exchangeCode(Redacted.make("mgmt-only"), REDIRECT)).accessToken
      const send = yield* Effect.flip(graph.sendText(managementOnly, SHOP, "+15550109876", "hi"))
      assert.deepStrictEqual(send._tag === "MetaPermissionMissing" ? send.permissions : [], [
        "whatsapp_business_messaging"
      ])

      yield* control.grant({
        code: "msg-only",
        redirectUri: REDIRECT,
        token: "EAAG-s",
        wabaIds: [WABA],
        scopes: [{ scope: "whatsapp_business_messaging", targetIds: [WABA] }]
      })
      const messagingOnly = (yield* graph.exchangeCode(Redacted.make("msg-only"), REDIRECT)).accessToken
      const list = yield* Effect.flip(graph.listPhoneNumbers(messagingOnly, WABA))
      assert.deepStrictEqual(list._tag === "MetaPermissionMissing" ? list.permissions : [], [
        "whatsapp_business_management"
      ])
    }).pipe(provide)
  )

  it.effect("injected failures happen once or always; revokeToken makes the grant answer 190", () =>
    Effect.gen(function* () {
      const control = yield* seed
      const graph = yield* MetaGraph
      const token = (yield* graph.exchangeCode(Redacted.make("code-1"), REDIRECT)).accessToken

      yield* control.failWith("listPhoneNumbers", new MetaRateLimited({ code: 80007, retryAfterSeconds: 60 }))
      const once = yield* Effect.flip(graph.listPhoneNumbers(token, WABA))
      assert.strictEqual(once._tag, "MetaRateLimited")
      assert.strictEqual((yield* graph.listPhoneNumbers(token, WABA)).length, 2)

      yield* control.failWith("sendText", new MetaRateLimited({ code: 130429 }), "always")
      assert.strictEqual((yield* Effect.flip(graph.sendText(token, SHOP, "+15550109876", "a")))._tag, "MetaRateLimited")
      assert.strictEqual((yield* Effect.flip(graph.sendText(token, SHOP, "+15550109876", "b")))._tag, "MetaRateLimited")
      yield* control.clearFailures
      yield* graph.sendText(token, SHOP, "+15550109876", "c")

      yield* control.revokeToken(TOKEN)
      const error = yield* Effect.flip(graph.getPhoneNumber(token, SHOP))
      assert.strictEqual(error._tag === "MetaTokenInvalid" ? error.code : 0, 190)
      assert.deepStrictEqual(yield* control.revokedGrants, [{ code: "code-1", wabaIds: [WABA], by: "control" }])
    }).pipe(provide)
  )

  it.effect("subscribing a WABA needs the app subscription first, as in the sandbox", () =>
    Effect.gen(function* () {
      yield* seed
      const graph = yield* MetaGraph
      const token = (yield* graph.exchangeCode(Redacted.make("code-1"), REDIRECT)).accessToken
      // The fake's app starts subscribed, as a configured app; without it, the WABA subscription is refused.
      yield* (yield* MetaGraphMemoryControl).setAppSubscription(null)
      const error = yield* Effect.flip(graph.subscribeApp(token, WABA))
      assert.strictEqual(error._tag === "MetaUnavailable" ? error.code : 0, 100)
    }).pipe(provide)
  )

  it.effect("Meta Ads: businesses and ad accounts need their scopes; accounts are merged without duplicates", () =>
    Effect.gen(function* () {
      const control = yield* MetaGraphMemoryControl
      const graph = yield* MetaGraph
      const account = { id: "act_1", name: "Main", currency: "USD", accountStatus: "active" as const }
      yield* control.addBusiness({
        id: "2729063490586005",
        name: "Business",
        ownedAdAccounts: [account],
        clientAdAccounts: [account, { id: "act_2", name: "Client", currency: "GBP", accountStatus: "active" as const }]
      })
      yield* control.grant({
        code: "ads",
        redirectUri: REDIRECT,
        token: "EAAG-ads",
        wabaIds: [],
        scopes: [
          { scope: "ads_read", targetIds: [] },
          { scope: "business_management", targetIds: ["2729063490586005"] }
        ],
        expiresAt: 7200
      })
      const short = yield* graph.exchangeCode(Redacted.make("ads"), REDIRECT)
      const long = yield* graph.exchangeLongLived(short.accessToken)
      assert.strictEqual(long.expiresIn, 60 * 24 * 3600)
      const businesses = yield* graph.listBusinesses(long.accessToken)
      assert.deepStrictEqual(businesses, [{ id: "2729063490586005", name: "Business" }])
      const accounts = yield* graph.listAdAccounts(long.accessToken, "2729063490586005")
      assert.deepStrictEqual(
        accounts.map((a) => a.id),
        ["act_1", "act_2"]
      )

      yield* control.grant({
        code: "wa",
        redirectUri: REDIRECT,
        token: "EAAG-wa",
        wabaIds: [WABA],
        scopes: [{ scope: "whatsapp_business_management", targetIds: [WABA] }]
      })
      const waToken = (yield* graph.exchangeCode(Redacted.make("wa"), REDIRECT)).accessToken
      const missing = yield* Effect.flip(graph.listBusinesses(waToken))
      assert.strictEqual(missing._tag, "MetaPermissionMissing")
    }).pipe(provide)
  )
})
