import { Effect, Fiber, Layer, Metric, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { parsePrometheusText, sampleValue } from "../../../test/support/PrometheusText.ts"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import { type IncomingWebhook, WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { ChannelConnection, EncryptedToken } from "../../domain/ChannelConnection.ts"
import { HEALTH_CHECK_NAMES } from "../../domain/ConnectionHealth.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { ConnectionHealthRepositoryMemory } from "../persistence/ConnectionHealthRepositoryMemory.ts"
import { ConnectionRepositoryMemory } from "../persistence/ConnectionRepositoryMemory.ts"
import { OutboxMemory } from "../persistence/OutboxMemory.ts"
import { WebhookInboxMemory } from "../persistence/WebhookInboxMemory.ts"
import {
  ForwardingMetricRegistry,
  METRIC_NAMES,
  METRICS_BY_NAME,
  type MetricUpdate,
  makeMetricsRoute,
  PROMETHEUS_CONTENT_TYPE,
  recordMessageSent,
  recordMetaApiResponseTime,
  recordMetaThrottle,
  recordMetricUpdates,
  recordOAuthError,
  recordOAuthRequest,
  recordTokenValidation,
  recordWebhookReceived,
  renderMetrics,
  timeMetaApiCall
} from "./Metrics.ts"
import { makeMetricsRefresher, refreshGauges, soonestTokenExpiryHours } from "./MetricsFromPorts.ts"

/** A registry of the test's own, so tests do not see each other's series. */
const withRegistry = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Metric.MetricRegistry, new Map())

const render = Effect.map(Effect.context<never>(), renderMetrics)

const connection = (status: ChannelConnection["status"], expiresAt: Date | null) =>
  ({ status, tokenExpiresAt: expiresAt }) as ChannelConnection

describe("metrics", () => {
  it("renders the recorded series as valid Prometheus text, labels escaped", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.gen(function* () {
          yield* recordOAuthRequest("start", 200)
          yield* recordOAuthRequest("callback", 302)
          yield* recordOAuthRequest("callback", 302)
          yield* recordOAuthError('weird "reason"\\with\nnewline')
          yield* recordOAuthRequest("start", 200, "meta_ads")
          yield* recordMetaThrottle("meta_ads")
          yield* recordTokenValidation("valid")
          yield* recordWebhookReceived("accepted")
          yield* recordWebhookReceived("invalid_signature")
          yield* recordMessageSent("sent")
          yield* recordMetaApiResponseTime("GET /debug_token", 0.03)
          yield* recordMetaApiResponseTime("GET /debug_token", 0.7)
          yield* recordMetaApiResponseTime("GET /debug_token", 45)
          return yield* render
        })
      )
    )
    const families = parsePrometheusText(text)
    expect(families.get("meta_oauth_requests_total")?.type).toBe("counter")
    expect(families.get("meta_oauth_requests_total")?.help).toContain("OAuth")
    expect(sampleValue(families, "meta_oauth_requests_total", { endpoint: "callback", status: "302" })).toBe(2)
    // Meta Ads series carry their provider, as the WhatsApp ones do theirs.
    expect(
      sampleValue(families, "meta_oauth_requests_total", { provider: "meta_ads", endpoint: "start", status: "200" })
    ).toBe(1)
    expect(
      sampleValue(families, "meta_oauth_requests_total", {
        provider: "meta_whatsapp",
        endpoint: "start",
        status: "200"
      })
    ).toBe(1)
    expect(sampleValue(families, "meta_api_throttled_total", { provider: "meta_ads" })).toBe(1)
    expect(sampleValue(families, "meta_oauth_errors_total", { reason: 'weird "reason"\\with\nnewline' })).toBe(1)
    expect(text).toContain('reason="weird \\"reason\\"\\\\with\\nnewline"')
    expect(sampleValue(families, "webhook_events_received_total", { result: "invalid_signature" })).toBe(1)
    const histogram = families.get("meta_api_response_time_seconds")
    expect(histogram?.type).toBe("histogram")
    const bucket = (le: string) =>
      sampleValue(families, "meta_api_response_time_seconds_bucket", { endpoint: "GET /debug_token", le })
    expect(bucket("0.05")).toBe(1)
    expect(bucket("1")).toBe(2)
    expect(bucket("30")).toBe(2)
    expect(bucket("+Inf")).toBe(3)
    expect(sampleValue(families, "meta_api_response_time_seconds_count", { endpoint: "GET /debug_token" })).toBe(3)
    expect(sampleValue(families, "meta_api_response_time_seconds_sum", {})).toBeCloseTo(45.73)
  })

  it("times an effect, success or failure", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.gen(function* () {
          const fiber = yield* Effect.sleep("1500 millis").pipe(timeMetaApiCall("GET /me"), Effect.forkChild)
          yield* TestClock.adjust("2 seconds")
          yield* Fiber.join(fiber)
          yield* Effect.fail("nope").pipe(timeMetaApiCall("GET /me"), Effect.ignore)
          return yield* render
        }).pipe(Effect.provide(TestClock.layer()))
      )
    )
    const families = parsePrometheusText(text)
    expect(sampleValue(families, "meta_api_response_time_seconds_count", { endpoint: "GET /me" })).toBe(2)
    expect(sampleValue(families, "meta_api_response_time_seconds_bucket", { endpoint: "GET /me", le: "1" })).toBe(1)
    expect(sampleValue(families, "meta_api_response_time_seconds_sum", { endpoint: "GET /me" })).toBeCloseTo(1.5)
  })

  it("forwards a thread's updates of the module's metrics to another registry, which renders them", async () => {
    expect([...METRICS_BY_NAME.keys()].sort()).toStrictEqual([...METRIC_NAMES].sort())
    const updates: Array<MetricUpdate> = []
    const thread = new ForwardingMetricRegistry((update) => {
      updates.push(update)
    })
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* recordMetaApiResponseTime("GET /{waba-id}/phone_numbers", 0.2)
        yield* recordMetaThrottle("meta_whatsapp")
        yield* Metric.update(Metric.counter("not_ours_total"), 1)
      }).pipe(Effect.provideService(Metric.MetricRegistry, thread))
    )
    expect(updates.map(([name]) => name)).toStrictEqual(["meta_api_response_time_seconds", "meta_api_throttled_total"])
    // Structured-cloned as postMessage does, then recorded in the main thread's registry.
    const text = await Effect.runPromise(
      withRegistry(Effect.andThen(recordMetricUpdates(structuredClone(updates)), render))
    )
    const families = parsePrometheusText(text)
    expect(
      sampleValue(families, "meta_api_response_time_seconds_count", { endpoint: "GET /{waba-id}/phone_numbers" })
    ).toBe(1)
    expect(sampleValue(families, "meta_api_throttled_total", { provider: "meta_whatsapp" })).toBe(1)
    expect(text).not.toContain("not_ours_total")
  })

  it("takes the soonest expiry of active connections, +Inf when none expires", () => {
    const now = Date.parse("2026-01-01T00:00:00Z")
    const inHours = (h: number) => new Date(now + h * 3_600_000)
    expect(soonestTokenExpiryHours([], now)).toBe(Number.POSITIVE_INFINITY)
    expect(soonestTokenExpiryHours([connection("active", null)], now)).toBe(Number.POSITIVE_INFINITY)
    expect(
      soonestTokenExpiryHours(
        [
          connection("active", inHours(100)),
          connection("active", inHours(30)),
          connection("error", inHours(1)),
          connection("active", null)
        ],
        now
      )
    ).toBe(30)
    expect(soonestTokenExpiryHours([connection("active", inHours(-2))], now)).toBe(-2)
  })
})

describe("the refresher", () => {
  const Ports = Layer.mergeAll(WebhookInboxMemory, ConnectionRepositoryMemory, ConnectionHealthRepositoryMemory).pipe(
    Layer.provide(OutboxMemory.layer)
  )

  const seed = Effect.gen(function* () {
    const inbox = yield* WebhookInbox
    const repo = yield* ConnectionRepository
    const now = new Date()
    const event = (n: number): IncomingWebhook => ({
      provider: "meta_whatsapp",
      bodySha256: `${n}`.padStart(64, "0"),
      raw: new TextEncoder().encode('{"object":"whatsapp_business_account","entry":[]}'),
      payload: { object: "whatsapp_business_account", entry: [] },
      receivedAt: new Date(now.getTime() - 120_000)
    })
    yield* Effect.forEach([event(1), event(2)], (delivery) => inbox.accept(delivery), { concurrency: "unbounded" })
    yield* repo.claimNumber("100000000000001" as PhoneNumberId, {
      tenantId: crypto.randomUUID() as TenantId,
      provider: "meta_whatsapp",
      status: "active",
      wabaId: "200000000000001" as WabaId,
      phoneNumberE164: "+15550001111",
      displayName: "Shop",
      accessTokenEnc: "v1:key:iv:ct:tag" as EncryptedToken,
      tokenExpiresAt: new Date(now.getTime() + 10 * 3_600_000),
      scopes: [],
      metadata: {}
    })
  })

  it("sets the inbox and token gauges from the ports", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.gen(function* () {
          yield* seed
          yield* refreshGauges
          return yield* render
        }).pipe(Effect.provide(Ports))
      )
    )
    const families = parsePrometheusText(text)
    expect(sampleValue(families, "webhook_events_pending")).toBe(2)
    expect(sampleValue(families, "webhook_processing_lag_seconds")).toBeGreaterThanOrEqual(119)
    expect(sampleValue(families, "webhook_events_failed")).toBe(0)
    expect(sampleValue(families, "webhook_events_unrouted")).toBe(0)
    const hours = sampleValue(families, "meta_token_expires_in_hours")
    expect(hours).toBeGreaterThan(9.9)
    expect(hours).toBeLessThanOrEqual(10)
  })

  it("counts active WhatsApp connections without a recent webhook, with no per-connection label", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const health = yield* ConnectionHealthRepository
          const nowMs = Date.now()
          const claim = (n: number, lastWebhookAt: Date | null, status: "active" | "error" = "active") =>
            Effect.gen(function* () {
              const tenantId = crypto.randomUUID() as TenantId
              const connection = yield* repo.claimNumber(`10000000000010${n}` as PhoneNumberId, {
                tenantId,
                provider: "meta_whatsapp",
                status,
                wabaId: `20000000000010${n}` as WabaId,
                phoneNumberE164: `+1555000200${n}`,
                displayName: "Shop",
                accessTokenEnc: "v1:key:iv:ct:tag" as EncryptedToken,
                tokenExpiresAt: null,
                scopes: [],
                metadata: {},
                connectedAt: new Date(nowMs - 48 * 3_600_000)
              })
              if (lastWebhookAt !== null) yield* health.recordWebhook(tenantId, connection.id, lastWebhookAt)
            })
          yield* claim(1, new Date(nowMs - 10 * 60_000))
          yield* claim(2, new Date(nowMs - 7 * 3_600_000))
          // None since it connected, two days ago: counted from the connect.
          yield* claim(3, null)
          // Not active: not counted, however silent.
          yield* claim(4, null, "error")
          yield* refreshGauges
          return yield* render
        }).pipe(Effect.provide(Ports))
      )
    )
    const families = parsePrometheusText(text)
    expect(sampleValue(families, "whatsapp_connections_active")).toBe(3)
    expect(sampleValue(families, "whatsapp_connections_webhook_silent", { over: "1h" })).toBe(2)
    expect(sampleValue(families, "whatsapp_connections_webhook_silent", { over: "6h" })).toBe(2)
    expect(sampleValue(families, "whatsapp_connections_webhook_silent", { over: "24h" })).toBe(1)
    const longest = sampleValue(families, "whatsapp_webhook_silence_max_hours")!
    expect(longest).toBeGreaterThan(47.9)
    expect(longest).toBeLessThan(48.1)
    const silent = families.get("whatsapp_connections_webhook_silent")!
    expect(silent.samples.map((sample) => Object.keys(sample.labels))).toEqual([["over"], ["over"], ["over"]])
  })

  it("counts connections by health check and status, fresh checks of live connections only, no tenant label", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const health = yield* ConnectionHealthRepository
          const nowMs = Date.now()
          const connectedAt = new Date(nowMs - 3_600_000)
          const claim = (n: number, status: "active" | "error" | "revoked") =>
            repo.claimNumber(`10000000000020${n}` as PhoneNumberId, {
              tenantId: crypto.randomUUID() as TenantId,
              provider: "meta_whatsapp",
              status,
              wabaId: `20000000000020${n}` as WabaId,
              phoneNumberE164: `+1555000300${n}`,
              displayName: "Shop",
              accessTokenEnc: "v1:key:iv:ct:tag" as EncryptedToken,
              tokenExpiresAt: null,
              scopes: [],
              metadata: {},
              connectedAt
            })
          const fresh = new Date(nowMs)
          const stale = new Date(connectedAt.getTime() - 60_000)
          const save = (connection: ChannelConnection, status: "ok" | "failing", checkedAt = fresh) =>
            health.save(connection.tenantId, connection.id, [{ name: "token", status, message: "m", checkedAt }])
          yield* save(yield* claim(1, "active"), "ok")
          yield* save(yield* claim(2, "active"), "failing")
          yield* save(yield* claim(3, "error"), "failing")
          // From before the latest connect: speaks of the old connection, not counted.
          yield* save(yield* claim(4, "active"), "failing", stale)
          yield* refreshGauges
          return yield* render
        }).pipe(Effect.provide(Ports))
      )
    )
    const families = parsePrometheusText(text)
    expect(sampleValue(families, "connection_health_checks", { check: "token", status: "ok" })).toBe(1)
    expect(sampleValue(families, "connection_health_checks", { check: "token", status: "failing" })).toBe(2)
    expect(sampleValue(families, "connection_health_checks", { check: "app_webhook", status: "failing" })).toBe(0)
    const samples = families.get("connection_health_checks")!.samples
    expect(samples).toHaveLength(HEALTH_CHECK_NAMES.length * 4)
    expect(new Set(samples.flatMap((sample) => Object.keys(sample.labels)))).toEqual(new Set(["check", "status"]))
  })

  it("reports +Inf when nothing expires, and runs in the background at once and then periodically", async () => {
    const text = await Effect.runPromise(
      withRegistry(
        Effect.scoped(
          Effect.gen(function* () {
            yield* Layer.build(makeMetricsRefresher("1 minute"))
            yield* TestClock.adjust("50 millis")
            const first = yield* render
            expect(first).toContain("meta_token_expires_in_hours +Inf")
            expect(first).toContain("webhook_events_pending 0")
            yield* seed
            yield* TestClock.adjust("50 millis")
            // Not yet: the next refresh is a minute away.
            expect(yield* render).toContain("webhook_events_pending 0")
            return first
          })
        ).pipe(Effect.provide([Ports, TestClock.layer()]))
      )
    )
    expect(parsePrometheusText(text).size).toBeGreaterThan(0)
  })

  it("keeps running when a read fails", async () => {
    let calls = 0
    const FailingInbox = Layer.succeed(WebhookInbox, {
      stats: () =>
        Effect.suspend(() => {
          calls++
          return calls === 1 ? Effect.die(new Error("database down")) : Effect.succeed(zeroStats)
        })
    } as unknown as WebhookInbox["Service"])
    const zeroStats = { pending: 3, unrouted: 0, failed: 0, oldestPendingSeconds: 7 }
    const text = await Effect.runPromise(
      withRegistry(
        Effect.scoped(
          Effect.gen(function* () {
            yield* Layer.build(makeMetricsRefresher("20 millis"))
            yield* TestClock.adjust("200 millis")
            return yield* render
          })
        ).pipe(
          Effect.provide([
            FailingInbox,
            Layer.mergeAll(ConnectionRepositoryMemory, ConnectionHealthRepositoryMemory).pipe(
              Layer.provide(OutboxMemory.layer)
            ),
            TestClock.layer()
          ])
        )
      )
    )
    expect(calls).toBeGreaterThan(1)
    expect(sampleValue(parsePrometheusText(text), "webhook_events_pending")).toBe(3)
  })
})

describe("GET /metrics", () => {
  it("answers the exposition with its content type, every counter family present from the start", async () => {
    const app = HttpRouter.toWebHandler(
      makeMetricsRoute().pipe(Layer.provide(Layer.succeed(Metric.MetricRegistry, new Map()))),
      { disableLogger: true }
    )
    try {
      const response = await app.handler(new Request("http://localhost/metrics"))
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE)
      const families = parsePrometheusText(await response.text())
      for (const name of ["webhook_events_received_total", "meta_token_validations_total", "messages_sent_total"])
        expect(families.get(name)?.type).toBe("counter")
      expect(sampleValue(families, "webhook_events_received_total", { result: "too_large" })).toBe(0)
      for (const name of families.keys()) expect(METRIC_NAMES as ReadonlyArray<string>).toContain(name)
    } finally {
      await app.dispose()
    }
  })

  it("can require a bearer token", async () => {
    const app = HttpRouter.toWebHandler(makeMetricsRoute({ bearerToken: Redacted.make("scrape-secret") }), {
      disableLogger: true
    })
    try {
      expect((await app.handler(new Request("http://localhost/metrics"))).status).toBe(401)
      const wrong = new Request("http://localhost/metrics", { headers: { authorization: "Bearer nope" } })
      expect((await app.handler(wrong)).status).toBe(401)
      const right = new Request("http://localhost/metrics", { headers: { authorization: "Bearer scrape-secret" } })
      expect((await app.handler(right)).status).toBe(200)
    } finally {
      await app.dispose()
    }
  })
})
