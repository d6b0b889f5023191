/**
 * The service's Prometheus metrics, kept in Effect's metric registry and served at `GET /metrics` in the text
 * exposition format (Effect's own `PrometheusMetrics` serializer). Counters and the Graph histogram are recorded
 * where things happen (the helpers below); the gauges that need the database are set by `makeMetricsRefresher`
 * (MetricsFromPorts.ts, with `withSendMetrics`: the parts that read or wrap ports live there, so that recording a
 * metric does not pull in the use cases).
 *
 * Labels never carry ids, tokens or tenants: only the small fixed sets documented on each metric.
 */

import { Cause, Clock, type Context, Effect, Exit, Metric, Redacted } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { PrometheusMetrics } from "effect/observability"
import { constantTimeEquals } from "../../application/ConstantTime.ts"

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

/** Seconds; Graph calls time out at 10 s per attempt by default. */
export const META_API_BUCKETS: ReadonlyArray<number> = [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

// ---------------------------------------------------------------------------------------------------------------
// Definitions

/** `{provider="meta_whatsapp"|"meta_ads", endpoint="start"|"callback", status="<HTTP status>"}` */
export const metaOAuthRequests = Metric.counter("meta_oauth_requests_total", {
  description:
    "Meta OAuth requests served (Embedded Signup and Meta Ads login), by provider, endpoint and HTTP status.",
  incremental: true
})

/** `{provider, reason}`: the callback's refusal reason (`state_invalid`, `meta_error`, `cancelled`, …). */
export const metaOAuthErrors = Metric.counter("meta_oauth_errors_total", {
  description: "Meta OAuth callbacks refused, by provider and reason.",
  incremental: true
})

/** `{result}`: see `TokenValidationResult`. */
export const metaTokenValidations = Metric.counter("meta_token_validations_total", {
  description: "Stored Meta tokens checked with debug_token, by result.",
  incremental: true
})

/** `{endpoint="GET /debug_token"}`: one observation per HTTP attempt (retries count separately). */
export const metaApiResponseTime = Metric.histogram("meta_api_response_time_seconds", {
  description: "Meta Graph API response time per HTTP attempt, in seconds, by endpoint template.",
  boundaries: META_API_BUCKETS
})

/** No labels: the lowest over active connections. `+Inf` when no active connection holds an expiring token. */
export const whatsappConnectionsActive = Metric.gauge("whatsapp_connections_active", {
  description: "Active WhatsApp connections (holding a token), across tenants."
})

export const whatsappConnectionsWebhookSilent = Metric.gauge("whatsapp_connections_webhook_silent", {
  description:
    "Active WhatsApp connections that received no webhook for more than `over` (1h, 6h, 24h), counted since their " +
    "last webhook or, when none came yet, since they connected. Aggregated: no per-tenant or per-connection labels."
})

export const whatsappWebhookSilenceMaxHours = Metric.gauge("whatsapp_webhook_silence_max_hours", {
  description: "Longest time, in hours, an active WhatsApp connection has gone without a webhook (0: none active)."
})

export const connectionHealthChecks = Metric.gauge("connection_health_checks", {
  description:
    "WhatsApp connections (active, pending or in error) whose latest health check `check` found `status` (ok, " +
    "warning, failing, unknown). Aggregated over tenants: every check and status is reported, 0 included."
})

export const metaTokenExpiresInHours = Metric.gauge("meta_token_expires_in_hours", {
  description:
    "Hours until the soonest expiry of an active connection's Meta token (negative: already expired; +Inf: none expires)."
})

/** `{result}`: see `WebhookReceiveResult`. */
export const webhookEventsReceived = Metric.counter("webhook_events_received_total", {
  description: "Webhook deliveries received from Meta, by result.",
  incremental: true
})

export const webhookEventsPending = Metric.gauge("webhook_events_pending", {
  description: "Webhook events stored and waiting to be processed."
})

export const webhookProcessingLag = Metric.gauge("webhook_processing_lag_seconds", {
  description: "Age of the oldest webhook event waiting to be processed, in seconds (0 when none waits)."
})

export const webhookEventsFailed = Metric.gauge("webhook_events_failed", {
  description: "Webhook events parked as failed after their last attempt."
})

export const webhookEventsUnrouted = Metric.gauge("webhook_events_unrouted", {
  description: "Webhook events for numbers no connection holds (kept until one connects)."
})

/** `{result}`: see `MessageSendResult`. */
export const messagesSent = Metric.counter("messages_sent_total", {
  description: "Outbound WhatsApp messages, by result.",
  incremental: true
})

export const metaAppWebhookCallbackOk = Metric.gauge("meta_app_webhook_callback_ok", {
  description:
    "1 when the Meta app's WhatsApp webhook callback is this service's with the fields it needs; 0 when it is missing, another environment's, inactive or lacking fields (see the warning log)."
})

/** `{source="send"|"health_check"}`: stored tokens that did not decrypt with the configured keys (our fault). */
export const tokenDecryptFailures = Metric.counter("token_decrypt_failures_total", {
  description:
    "Stored tokens that did not decrypt with the configured TOKEN_ENCRYPTION_KEY_BASE64 (a configuration fault; connections are left as they are).",
  incremental: true
})

/** No labels: 1 while Meta refuses this service's app token on debug_token (wrong or rotated app secret), else 0. */
export const appCredentialsInvalid = Metric.gauge("app_credentials_invalid", {
  description: "1 while Meta refuses the app's own credentials (META_APP_SECRET wrong or rotated), 0 otherwise."
})

/**
 * `{provider="meta_ads"|"meta_whatsapp"}`: Graph calls Meta throttled (the Graph adapter decides which answers are throttling).
 * No tenant label (unbounded); each tenant's own count is kept on its connection (`throttled_calls`).
 */
export const metaApiThrottled = Metric.counter("meta_api_throttled_total", {
  description: "Meta Graph calls refused as throttled, by provider.",
  incremental: true
})

/** Every metric this module defines, by Prometheus name (the alert rules may reference only these). */
export const METRIC_NAMES = [
  "meta_oauth_requests_total",
  "meta_oauth_errors_total",
  "meta_token_validations_total",
  "meta_api_response_time_seconds",
  "meta_token_expires_in_hours",
  "whatsapp_connections_active",
  "whatsapp_connections_webhook_silent",
  "whatsapp_webhook_silence_max_hours",
  "connection_health_checks",
  "webhook_events_received_total",
  "webhook_events_pending",
  "webhook_processing_lag_seconds",
  "webhook_events_failed",
  "webhook_events_unrouted",
  "messages_sent_total",
  "meta_app_webhook_callback_ok",
  "token_decrypt_failures_total",
  "app_credentials_invalid",
  "meta_api_throttled_total"
] as const

/** Every metric this module defines, by Prometheus name. */
export const METRICS_BY_NAME: ReadonlyMap<string, Metric.Metric<number, unknown>> = new Map<
  string,
  Metric.Metric<number, unknown>
>(
  [
    metaOAuthRequests,
    metaOAuthErrors,
    metaTokenValidations,
    metaApiResponseTime,
    metaTokenExpiresInHours,
    whatsappConnectionsActive,
    whatsappConnectionsWebhookSilent,
    whatsappWebhookSilenceMaxHours,
    connectionHealthChecks,
    webhookEventsReceived,
    webhookEventsPending,
    webhookProcessingLag,
    webhookEventsFailed,
    webhookEventsUnrouted,
    messagesSent,
    metaAppWebhookCallbackOk,
    tokenDecryptFailures,
    appCredentialsInvalid,
    metaApiThrottled
  ].map((metric) => [metric.id, metric as Metric.Metric<number, unknown>])
)

// ---------------------------------------------------------------------------------------------------------------
// Another thread's metrics (the webhook worker's, WEBHOOK_WORKER_THREAD=true)

/** One update of one of this module's metrics, as it crosses between threads: name, attributes, how, value. */
export type MetricUpdate = readonly [
  name: string,
  attributes: Readonly<Record<string, string>> | undefined,
  how: "update" | "modify",
  input: number
]

/**
 * A metric registry for a thread whose metrics belong to the main thread's `/metrics`: it records as any registry
 * does, and hands each update of this module's metrics (the Graph API's timings and throttles, …) to `forward`, which
 * sends them over to {@link recordMetricUpdates}. Other metrics stay in the thread.
 */
export class ForwardingMetricRegistry extends Map<string, Metric.Metric.Metadata<unknown, unknown>> {
  readonly #forward: (update: MetricUpdate) => void

  constructor(forward: (update: MetricUpdate) => void) {
    super()
    this.#forward = forward
  }

  override set(key: string, metadata: Metric.Metric.Metadata<unknown, unknown>): this {
    if (!METRICS_BY_NAME.has(metadata.id)) return super.set(key, metadata)
    const { hooks, id } = metadata
    const attributes = metadata.attributes as Readonly<Record<string, string>> | undefined
    const forward = this.#forward
    // In place: the metric uses the hooks of the object it registers for the update that registers it.
    ;(metadata as { hooks: Metric.Metric.Hooks<unknown, unknown> }).hooks = {
      get: hooks.get,
      update: (input, context) => {
        hooks.update(input, context)
        if (typeof input === "number") forward([id, attributes, "update", input])
      },
      modify: (input, context) => {
        hooks.modify(input, context)
        if (typeof input === "number") forward([id, attributes, "modify", input])
      }
    }
    return super.set(key, metadata)
  }
}

/** Records updates another thread forwarded (its {@link ForwardingMetricRegistry}) in this thread's registry. */
export const recordMetricUpdates = (updates: ReadonlyArray<MetricUpdate>): Effect.Effect<void> =>
  Effect.forEach(
    updates,
    ([name, attributes, how, input]) => {
      const defined = METRICS_BY_NAME.get(name)
      if (defined === undefined) return Effect.void
      const metric = attributes === undefined ? defined : Metric.withAttributes(defined, attributes)
      return how === "update" ? Metric.update(metric, input) : Metric.modify(metric, input)
    },
    { discard: true }
  )

// ---------------------------------------------------------------------------------------------------------------
// Recording

export type OAuthEndpoint = "start" | "callback"
export type WebhookReceiveResult = "accepted" | "invalid_signature" | "invalid_payload" | "too_large" | "unavailable"
export const WEBHOOK_RECEIVE_RESULTS: ReadonlyArray<WebhookReceiveResult> = [
  "accepted",
  "invalid_signature",
  "invalid_payload",
  "too_large",
  "unavailable"
]
/**
 * `valid`: Meta says the token works; `invalid`: it does not (expired, revoked, undecryptable); `unknown`: Meta could
 * not be asked (unavailable, throttled). The same three counts as TokenHealth's report.
 */
export type TokenValidationResult = "valid" | "invalid" | "unknown"
export const TOKEN_VALIDATION_RESULTS: ReadonlyArray<TokenValidationResult> = ["valid", "invalid", "unknown"]
/**
 * `sent`: Meta accepted it; `rejected`: refused before or by Meta for a reason a retry will not fix (not connected,
 * invalid message, policy, token, permission); `rate_limited`: Meta throttled it; `failed`: Meta unavailable.
 */
export type MessageSendResult = "sent" | "rejected" | "rate_limited" | "failed"
export const MESSAGE_SEND_RESULTS: ReadonlyArray<MessageSendResult> = ["sent", "rejected", "rate_limited", "failed"]

/** The `messages_sent_total` result of a send's failure, by its `_tag` (Messaging's SendError). */
export const messageSendResultOf = (errorTag: string): MessageSendResult => {
  switch (errorTag) {
    case "MetaRateLimited":
      return "rate_limited"
    case "MetaUnavailable":
    case "TokenUnreadable":
      return "failed"
    default:
      return "rejected"
  }
}

const inc = (metric: Metric.Metric<number, unknown>, attributes: Record<string, string>) =>
  Metric.update(Metric.withAttributes(metric, attributes), 1)

/** Which of our Meta providers a series speaks of (a small, fixed set: safe as a label). */
export type MetricProvider = "meta_whatsapp" | "meta_ads"

export const recordOAuthRequest = (
  endpoint: OAuthEndpoint,
  status: number,
  provider: MetricProvider = "meta_whatsapp"
): Effect.Effect<void> => inc(metaOAuthRequests, { provider, endpoint, status: String(status) })

export const recordOAuthError = (reason: string, provider: MetricProvider = "meta_whatsapp"): Effect.Effect<void> =>
  inc(metaOAuthErrors, { provider, reason })

/**
 * Counts an OAuth route's answer in `meta_oauth_requests_total{endpoint,status}`: the response's status, or 500
 * when the handler fails (the error middleware answers it). An interrupted request (client gone) is not counted.
 */
export const countOAuthRequest =
  (endpoint: OAuthEndpoint, provider: MetricProvider = "meta_whatsapp") =>
  <E, R>(
    handler: Effect.Effect<HttpServerResponse.HttpServerResponse, E, R>
  ): Effect.Effect<HttpServerResponse.HttpServerResponse, E, R> =>
    Effect.onExit(handler, (exit) =>
      Exit.isSuccess(exit)
        ? recordOAuthRequest(endpoint, exit.value.status, provider)
        : Cause.hasInterruptsOnly(exit.cause)
          ? Effect.void
          : recordOAuthRequest(endpoint, 500, provider)
    )

export const recordTokenValidation = (result: TokenValidationResult, count = 1): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(metaTokenValidations, { result }), count)

/** Counts a whole health-check run (TokenHealth's report) in `meta_token_validations_total`. */
export const recordTokenHealthReport = (report: {
  readonly valid: number
  readonly invalid: number
  readonly unknown: number
  readonly undecryptable?: number
  readonly appCredentialsInvalid?: boolean
}): Effect.Effect<void> =>
  Effect.all(
    [
      recordTokenValidation("valid", report.valid),
      recordTokenValidation("invalid", report.invalid),
      recordTokenValidation("unknown", report.unknown),
      recordTokenDecryptFailure("health_check", report.undecryptable ?? 0),
      Metric.update(appCredentialsInvalid, report.appCredentialsInvalid === true ? 1 : 0)
    ],
    { discard: true }
  )

/** Sets `meta_app_webhook_callback_ok` from an app webhook check; `unknown` (Meta not asked) keeps the last value. */
export const recordAppWebhookCheck = (state: string): Effect.Effect<void> =>
  state === "unknown" ? Effect.void : Metric.update(metaAppWebhookCallbackOk, state === "ok" ? 1 : 0)

export const recordTokenDecryptFailure = (source: "send" | "health_check", count = 1): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(tokenDecryptFailures, { source }), count)

/** `webhook_events_received_total{result}`, one series per result, made once (not per delivery or batch). */
const webhookReceivedBy = new Map(
  WEBHOOK_RECEIVE_RESULTS.map((result) => [result, Metric.withAttributes(webhookEventsReceived, { result })] as const)
)

/** `count` deliveries received with `result` (the webhook fast path counts one batch at a time). */
export const recordWebhookReceived = (result: WebhookReceiveResult, count = 1): Effect.Effect<void> =>
  Metric.update(webhookReceivedBy.get(result)!, count)

/**
 * `recordWebhookReceived` without an Effect, in `context` (a fiber's, whose metric registry it updates): for the
 * webhook fast path, which counts a batch's results inside one synchronous step (issue 18.3, w10B).
 */
export const recordWebhookReceivedUnsafe = (
  result: WebhookReceiveResult,
  count: number,
  context: Context.Context<never>
): void => webhookReceivedBy.get(result)!.updateUnsafe(count, context)

export const recordMetaThrottle = (provider: MetricProvider): Effect.Effect<void> => inc(metaApiThrottled, { provider })

export const recordMessageSent = (result: MessageSendResult): Effect.Effect<void> => inc(messagesSent, { result })

export const recordMetaApiResponseTime = (endpoint: string, seconds: number): Effect.Effect<void> =>
  Metric.update(Metric.withAttributes(metaApiResponseTime, { endpoint }), seconds)

/**
 * Times `effect` (success, failure or interruption alike) into `meta_api_response_time_seconds{endpoint}`.
 * `endpoint` is a template such as `GET /debug_token`: never an id or a token.
 */
export const timeMetaApiCall =
  (endpoint: string) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.flatMap(Clock.currentTimeNanos, (start) =>
      Effect.onExit(effect, () =>
        Effect.flatMap(Clock.currentTimeNanos, (end) => recordMetaApiResponseTime(endpoint, Number(end - start) / 1e9))
      )
    )

// ---------------------------------------------------------------------------------------------------------------
// ---------------------------------------------------------------------------------------------------------------
// GET /metrics

export interface MetricsRouteOptions {
  /** When set, `/metrics` answers 401 unless the request carries `Authorization: Bearer <token>`. */
  readonly bearerToken?: Redacted.Redacted<string> | undefined
}

/**
 * Series with a known, small label set start at 0 (so `rate()` sees their first increment, and a dashboard shows
 * the series before anything happened).
 */
export const initialiseCounters: Effect.Effect<void> = Effect.gen(function* () {
  for (const result of WEBHOOK_RECEIVE_RESULTS)
    yield* Metric.update(Metric.withAttributes(webhookEventsReceived, { result }), 0)
  for (const result of TOKEN_VALIDATION_RESULTS)
    yield* Metric.update(Metric.withAttributes(metaTokenValidations, { result }), 0)
  for (const result of MESSAGE_SEND_RESULTS) yield* Metric.update(Metric.withAttributes(messagesSent, { result }), 0)
  for (const source of ["send", "health_check"] as const) yield* recordTokenDecryptFailure(source, 0)
  yield* Metric.update(appCredentialsInvalid, 0)
  for (const provider of ["meta_ads", "meta_whatsapp"] as const)
    yield* Metric.update(Metric.withAttributes(metaApiThrottled, { provider }), 0)
})

/** Renders every metric of the registry in `context` (the process-wide one unless a test provides its own). */
export const renderMetrics = (context: Context.Context<never>): string => PrometheusMetrics.formatUnsafe(context)

const sameBearer = (header: string | undefined, expected: Redacted.Redacted<string>): boolean => {
  return constantTimeEquals(header ?? "", `Bearer ${Redacted.value(expected)}`)
}

/**
 * `GET /metrics`: Prometheus text exposition (`text/plain; version=0.0.4`). The registry is captured when the layer
 * is built, so the handler needs no service.
 */
export const makeMetricsRoute = (options: MetricsRouteOptions = {}) =>
  HttpRouter.use(
    Effect.fn(function* (router) {
      yield* initialiseCounters
      const context = yield* Effect.context<never>()
      const expected = options.bearerToken
      yield* router.add(
        "GET",
        "/metrics",
        Effect.gen(function* () {
          if (expected !== undefined) {
            const request = yield* HttpServerRequest.HttpServerRequest
            if (!sameBearer(request.headers["authorization"], expected))
              return HttpServerResponse.text("Unauthorized", { status: 401, headers: { "cache-control": "no-store" } })
          }
          return HttpServerResponse.text(renderMetrics(context), {
            contentType: PROMETHEUS_CONTENT_TYPE,
            headers: { "cache-control": "no-store" }
          })
        })
      )
    })
  )
