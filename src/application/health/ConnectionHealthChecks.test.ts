import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { APP_ID, activeConnectionHolding, MemoryPorts, testActor } from "../../../test/support/ConnectTestKit.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { type HealthCheck, messagingHealthy, overallHealth } from "../../domain/ConnectionHealth.ts"
import { MetaUnavailable } from "../../domain/Errors.ts"
import type { PhoneNumberId } from "../../domain/Ids.ts"
import type { PhoneNumber, TokenInfo } from "../ports/MetaGraph.ts"
import { healthCheckOf } from "../webhooks/WebhookProcessor.ts"
import { AppWebhookCheck } from "./AppWebhookCheck.ts"
import {
  appWebhookCheck,
  ConnectionHealthChecks,
  NO_HEALTH,
  numberChecks,
  subscriptionCheck,
  TOKEN_UNREADABLE,
  tokenCheck,
  webhooksCheck
} from "./ConnectionHealthChecks.ts"

const info = (overrides: Partial<TokenInfo> = {}): TokenInfo => ({
  isValid: true,
  appId: APP_ID,
  expiresAt: 0,
  scopes: ["whatsapp_business_management", "whatsapp_business_messaging"],
  granularScopes: [],
  error: null,
  ...overrides
})

const number = (overrides: Partial<PhoneNumber> = {}): PhoneNumber => ({
  id: "106540352242922" as PhoneNumberId,
  displayPhoneNumber: "+1 555-078-3881",
  verifiedName: "Acme",
  qualityRating: "GREEN",
  codeVerificationStatus: "VERIFIED",
  nameStatus: "APPROVED",
  platformType: "CLOUD_API",
  messagingLimit: "TIER_2K",
  throughputLevel: "STANDARD",
  ...overrides
})

const statusOf = (checks: ReadonlyArray<{ name: string; status: string }>, name: string) =>
  checks.find((c) => c.name === name)?.status

describe("health check rules", () => {
  it("token: valid, of our app, with both WhatsApp scopes; each fault in words", () => {
    assert.strictEqual(tokenCheck(info(), APP_ID).status, "ok")
    const foreign = tokenCheck(info({ appId: "999" }), APP_ID)
    assert.strictEqual(foreign.status, "failing")
    assert.include(foreign.message, "another Meta app")
    assert.strictEqual(tokenCheck(info({ otherApp: true, appId: null, isValid: false }), APP_ID).status, "failing")
    const revoked = tokenCheck(info({ isValid: false, error: "The session has been invalidated" }), APP_ID)
    assert.include(revoked.message, "no longer accepts the token (The session has been invalidated)")
    const scope = tokenCheck(info({ scopes: ["whatsapp_business_management"] }), APP_ID)
    assert.strictEqual(scope.status, "failing")
    assert.include(scope.message, "lacks the permission whatsapp_business_messaging")
  })

  it("subscription and app callback", () => {
    assert.strictEqual(subscriptionCheck([{ appId: APP_ID, overrideCallbackUrl: null }], APP_ID, "1").status, "ok")
    assert.strictEqual(
      subscriptionCheck([{ appId: "other", overrideCallbackUrl: null }], APP_ID, "1").status,
      "failing"
    )
    const base = { expectedCallbackUrl: "https://x/webhooks", callbackUrl: null, message: "m", checkedAt: new Date() }
    assert.strictEqual(appWebhookCheck({ ...base, state: "ok", missingFields: [] }).status, "ok")
    assert.strictEqual(appWebhookCheck({ ...base, state: "unknown", missingFields: [] }).status, "unknown")
    assert.strictEqual(appWebhookCheck({ ...base, state: "foreign", missingFields: [] }).status, "failing")
    assert.strictEqual(appWebhookCheck({ ...base, state: "missing", missingFields: [] }).status, "failing")
    // A WABA override callback: elsewhere fails even with our app callback; ours rescues messages from a foreign one.
    const ok = { ...base, state: "ok", missingFields: [] } as const
    const foreign = { ...base, state: "foreign", missingFields: [] } as const
    const elsewhere = appWebhookCheck(ok, "https://other.example.com/hook")
    assert.strictEqual(elsewhere.status, "failing")
    assert.include(elsewhere.message, "posts its messages to https://other.example.com/hook")
    assert.strictEqual(appWebhookCheck(ok, "https://x/webhooks/").status, "ok")
    const rescued = appWebhookCheck(foreign, "https://x/webhooks")
    assert.strictEqual(rescued.status, "warning")
    assert.include(rescued.message, "Messages reach this service through the WhatsApp Business Account's override")
    assert.strictEqual(
      appWebhookCheck({ ...base, state: "missing", missingFields: [] }, "https://x/webhooks").status,
      "failing"
    )
    assert.strictEqual(appWebhookCheck(foreign, undefined).status, "failing", "the override could not be read")
    assert.strictEqual(
      appWebhookCheck({ ...base, state: "fields_missing", missingFields: ["account_review_update"] }).status,
      "warning",
      "messages still arrive"
    )
    assert.strictEqual(
      appWebhookCheck({ ...base, state: "fields_missing", missingFields: ["messages"] }).status,
      "failing"
    )
  })

  it("number: registration, verification, display name, quality, limit", () => {
    const ok = numberChecks(number())
    for (const name of ["number", "display_name", "quality", "messaging_limit"])
      assert.strictEqual(statusOf(ok, name), "ok")
    const unregistered = numberChecks(number({ platformType: "NOT_APPLICABLE" }))
    assert.strictEqual(statusOf(unregistered, "number"), "failing")
    const unverified = numberChecks(number({ platformType: "NOT_APPLICABLE", codeVerificationStatus: "NOT_VERIFIED" }))
    assert.include(unverified.find((c) => c.name === "number")!.message, "not verified (NOT_VERIFIED)")
    assert.strictEqual(statusOf(numberChecks(number({ nameStatus: "PENDING_REVIEW" })), "display_name"), "warning")
    assert.strictEqual(statusOf(numberChecks(number({ nameStatus: "DECLINED" })), "display_name"), "warning")
    assert.strictEqual(statusOf(numberChecks(number({ nameStatus: null })), "display_name"), "unknown")
    assert.strictEqual(statusOf(numberChecks(number({ qualityRating: "YELLOW" })), "quality"), "warning")
    assert.strictEqual(statusOf(numberChecks(number({ qualityRating: "RED" })), "quality"), "warning")
    assert.strictEqual(
      statusOf(numberChecks(number({ messagingLimit: null, throughputLevel: null })), "messaging_limit"),
      "unknown"
    )
  })

  it("webhooks: a warning until one arrives after the connect", () => {
    const connectedAt = new Date("2026-01-01T10:00:00.000Z")
    assert.strictEqual(webhooksCheck(null, connectedAt).status, "warning")
    assert.strictEqual(webhooksCheck(new Date("2026-01-01T09:00:00.000Z"), connectedAt).status, "warning")
    assert.strictEqual(webhooksCheck(new Date("2026-01-01T10:00:01.000Z"), connectedAt).status, "ok")
  })

  it("overall is the worst status; only a failing gating check takes Connected away", () => {
    const at = new Date()
    const check = (name: HealthCheck["name"], status: HealthCheck["status"]): HealthCheck => ({
      name,
      status,
      message: "",
      checkedAt: at
    })
    assert.strictEqual(overallHealth([]), "unknown")
    assert.strictEqual(overallHealth([check("token", "ok"), check("quality", "warning")]), "warning")
    assert.strictEqual(overallHealth([check("token", "unknown"), check("quality", "ok")]), "unknown")
    assert.isTrue(messagingHealthy([check("quality", "warning"), check("account_review", "failing")]))
    assert.isTrue(messagingHealthy([check("token", "unknown")]))
    assert.isFalse(messagingHealthy([check("number", "failing")]))
  })

  it("health webhooks set their check", () => {
    const occurredAt = new Date("2026-01-01T10:00:00.000Z")
    const quality = { _tag: "NumberQualityReported" as const, wabaId: "1", displayPhoneNumber: "1", currentLimit: null }
    assert.strictEqual(
      healthCheckOf({ ...quality, event: "flagged", eventText: "FLAGGED", occurredAt }, occurredAt).status,
      "warning"
    )
    assert.strictEqual(
      healthCheckOf({ ...quality, event: "unflagged", eventText: "UNFLAGGED", occurredAt }, occurredAt).status,
      "ok"
    )
    const lowered = healthCheckOf(
      { ...quality, event: "limit_lowered", eventText: "DOWNGRADE", occurredAt },
      occurredAt
    )
    assert.deepStrictEqual([lowered.name, lowered.status], ["messaging_limit", "warning"])
    const review = { _tag: "AccountReviewed" as const, wabaId: "1", occurredAt }
    assert.strictEqual(
      healthCheckOf({ ...review, decision: "approved", decisionText: "APPROVED" }, occurredAt).status,
      "ok"
    )
    assert.strictEqual(
      healthCheckOf({ ...review, decision: "rejected", decisionText: "REJECTED" }, occurredAt).status,
      "failing"
    )
    assert.strictEqual(
      healthCheckOf({ ...review, decision: "pending", decisionText: "PENDING" }, occurredAt).status,
      "warning"
    )
    const capability = healthCheckOf(
      {
        _tag: "CapabilityChanged",
        wabaId: "1",
        maxDailyConversations: 100000,
        maxPhoneNumbers: null,
        occurredAt
      },
      occurredAt
    )
    assert.include(capability.message, "100,000 customers a day")
  })
})

const TestLayer = ConnectionHealthChecks.layer.pipe(
  Layer.provideMerge(AppWebhookCheck.layer),
  Layer.provideMerge(MemoryPorts)
)

const NUMBER = { phoneNumberId: "106540352242922", wabaId: "524126980791429", phoneNumberE164: "+15550783881" }

describe("ConnectionHealthChecks", () => {
  it.effect("Meta unavailable: the checks it answers are unknown, stored, and Connected is kept", () =>
    Effect.gen(function* () {
      const checks = yield* ConnectionHealthChecks
      const meta = yield* MetaGraphMemoryControl
      const actor = testActor()
      assert.deepStrictEqual(yield* checks.checkNow(actor), NO_HEALTH, "no connection, nothing to check")
      yield* activeConnectionHolding(actor.tenantId, "a-token", NUMBER)
      const down = new MetaUnavailable({ detail: "Meta is down" })
      yield* meta.failWith("debugToken", down, "always")
      yield* meta.failWith("wabaSubscribedApps", down, "always")
      yield* meta.failWith("getPhoneNumber", down, "always")
      const view = yield* checks.checkNow(actor)
      for (const name of ["token", "waba_subscription", "number", "display_name", "quality", "messaging_limit"])
        assert.strictEqual(statusOf(view.checks, name), "unknown", name)
      assert.include(view.checks.find((c) => c.name === "token")!.message, "could not be asked")
      assert.strictEqual(statusOf(view.checks, "app_webhook"), "ok")
      assert.strictEqual(statusOf(view.checks, "webhooks"), "warning")
      assert.isTrue(view.messagingHealthy)
      assert.deepStrictEqual(yield* checks.read(actor), view, "stored as shown")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a token that does not decrypt: the token checks are unknown, and the fault is logged by key id", () =>
    Effect.gen(function* () {
      const checks = yield* ConnectionHealthChecks
      const actor = testActor()
      // Sealed under a key this service does not hold.
      yield* activeConnectionHolding(actor.tenantId, "EAAforeign-health-token", NUMBER).pipe(
        Effect.provide(layerFromKeys({ active: new Uint8Array(32).fill(9), previous: [] }))
      )
      const logs: Array<string> = []
      const view = yield* checks
        .checkNow(actor)
        .pipe(Effect.provide(Logger.layer([Logger.map(Logger.formatLogFmt, (line) => void logs.push(line))])))
      for (const name of ["token", "waba_subscription", "number"]) {
        assert.strictEqual(statusOf(view.checks, name), "unknown", name)
        assert.strictEqual(view.checks.find((c) => c.name === name)!.message, TOKEN_UNREADABLE, name)
      }
      const fault = logs.find((line) => line.includes("does not decrypt with the configured keys"))
      assert.isDefined(fault, logs.join("\n"))
      assert.include(fault, "Connection health")
      assert.notInclude(logs.join("\n"), "EAAforeign-health-token")
    }).pipe(Effect.provide(TestLayer))
  )
})
