/**
 * The metrics that read or wrap ports: the gauges set from the database (`makeMetricsRefresher`) and the send
 * counter around `Messaging` (`withSendMetrics`). The series themselves are defined in Metrics.ts.
 */
import { Clock, Duration, Effect, Layer, Metric, Schedule } from "effect"
import { Messaging } from "../../application/messaging/Messaging.ts"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../../application/ports/ConnectionRepository.ts"
import { WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import {
  HEALTH_CHECK_NAMES,
  HEALTH_STATUSES,
  type HealthCheck,
  type HealthCheckName,
  type HealthStatus
} from "../../domain/ConnectionHealth.ts"
import type { ConnectionId } from "../../domain/Ids.ts"
import { WEBHOOK_SILENCE_THRESHOLDS, webhookSilenceHours } from "../../domain/WebhookSilence.ts"
import {
  connectionHealthChecks,
  messageSendResultOf,
  metaTokenExpiresInHours,
  recordMessageSent,
  recordTokenDecryptFailure,
  webhookEventsFailed,
  webhookEventsPending,
  webhookEventsUnrouted,
  webhookProcessingLag,
  whatsappConnectionsActive,
  whatsappConnectionsWebhookSilent,
  whatsappWebhookSilenceMaxHours
} from "./Metrics.ts"

// ---------------------------------------------------------------------------------------------------------------
// Gauges from the database

/**
 * Hours until the soonest `tokenExpiresAt` among active connections; `+Inf` when none has one (no connection, or
 * only never-expiring system-user tokens). `+Inf` never satisfies `< 24`, so the expiry alert stays quiet, and the
 * series stays present (an `absent()` alert would notice the refresher dying).
 */
export const soonestTokenExpiryHours = (connections: ReadonlyArray<ChannelConnection>, nowMs: number): number => {
  let soonest = Number.POSITIVE_INFINITY
  for (const connection of connections) {
    if (connection.status !== "active" || connection.tokenExpiresAt === null) continue
    soonest = Math.min(soonest, (connection.tokenExpiresAt.getTime() - nowMs) / 3_600_000)
  }
  return soonest
}

const LIVE_WHATSAPP = new Set(["active", "pending", "error"])
/** The providers whose connections have health checks (their check names differ, so `check` tells them apart). */
const CHECKED_PROVIDERS = new Set(["meta_whatsapp", "meta_ads"])

/**
 * How many live connections each check found in each status (WhatsApp's checks over WhatsApp connections, Meta Ads'
 * `ads_*`, `ad_account`, `business_manager` over Meta Ads ones): the stored checks of each, those from before its
 * latest (re)connect left out (they speak of the old connection), as the health panel shows them.
 */
export const healthCheckCounts = (
  connections: ReadonlyArray<ChannelConnection>,
  stored: ReadonlyArray<{ readonly connectionId: string; readonly checks: ReadonlyArray<HealthCheck> }>
): Record<HealthCheckName, Record<HealthStatus, number>> => {
  const counts = Object.fromEntries(
    HEALTH_CHECK_NAMES.map((name) => [name, Object.fromEntries(HEALTH_STATUSES.map((status) => [status, 0]))])
  ) as Record<HealthCheckName, Record<HealthStatus, number>>
  const byId = new Map(stored.map((row) => [row.connectionId, row.checks]))
  for (const connection of connections) {
    if (!CHECKED_PROVIDERS.has(connection.provider) || !LIVE_WHATSAPP.has(connection.status)) continue
    const since = (connection.connectedAt ?? connection.createdAt).getTime()
    for (const check of byId.get(connection.id) ?? [])
      if (check.checkedAt.getTime() >= since) counts[check.name][check.status]++
  }
  return counts
}

type GaugeSources = WebhookInbox | ConnectionRepository | ConnectionHealthRepository

/** Reads the inbox, the connections and their last webhook times once and sets the gauges. */
export const refreshGauges: Effect.Effect<void, never, GaugeSources> = Effect.gen(function* () {
  const inbox = yield* WebhookInbox
  const connections = yield* ConnectionRepository
  const health = yield* ConnectionHealthRepository
  const nowMs = yield* Clock.currentTimeMillis
  const stats = yield* inbox.stats(new Date(nowMs))
  yield* Metric.update(webhookEventsPending, stats.pending)
  yield* Metric.update(webhookProcessingLag, stats.oldestPendingSeconds)
  yield* Metric.update(webhookEventsFailed, stats.failed)
  yield* Metric.update(webhookEventsUnrouted, stats.unrouted)
  const holding = yield* connections.listHoldingTokens()
  yield* Metric.update(metaTokenExpiresInHours, soonestTokenExpiryHours(holding, nowMs))
  const silence = webhookSilence(holding, yield* health.lastWebhookTimes(), nowMs)
  yield* Metric.update(whatsappConnectionsActive, silence.active)
  yield* Metric.update(whatsappWebhookSilenceMaxHours, silence.maxHours)
  for (const { label } of WEBHOOK_SILENCE_THRESHOLDS)
    yield* Metric.update(Metric.withAttributes(whatsappConnectionsWebhookSilent, { over: label }), silence.over[label])
  const counts = healthCheckCounts(holding, yield* health.listAll)
  for (const check of HEALTH_CHECK_NAMES)
    for (const status of HEALTH_STATUSES)
      yield* Metric.update(Metric.withAttributes(connectionHealthChecks, { check, status }), counts[check][status])
})

/** Active WhatsApp connections, how many went without a webhook past each threshold, and the longest silence. */
export const webhookSilence = (
  connections: ReadonlyArray<ChannelConnection>,
  lastWebhookTimes: ReadonlyMap<ConnectionId, Date>,
  nowMs: number
) => {
  const over = Object.fromEntries(WEBHOOK_SILENCE_THRESHOLDS.map(({ label }) => [label, 0])) as Record<
    (typeof WEBHOOK_SILENCE_THRESHOLDS)[number]["label"],
    number
  >
  let active = 0
  let maxHours = 0
  for (const connection of connections) {
    const hours = webhookSilenceHours(connection, lastWebhookTimes.get(connection.id), nowMs)
    if (hours === null) continue
    active++
    maxHours = Math.max(maxHours, hours)
    for (const threshold of WEBHOOK_SILENCE_THRESHOLDS) if (hours > threshold.hours) over[threshold.label]++
  }
  return { active, maxHours, over }
}

/**
 * Sets the database-backed gauges at once and then every `interval`, in the background for the life of the layer.
 * A failed read is logged and the previous values stay until the next one succeeds.
 */
export const makeMetricsRefresher = (
  interval: Duration.Input = "15 seconds"
): Layer.Layer<never, never, GaugeSources> =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const context = yield* Effect.context<GaugeSources>()
      const once = refreshGauges.pipe(
        Effect.provideContext(context),
        Effect.catchCause((cause) =>
          Effect.logWarning("Metrics refresh failed; the gauges keep their last values", cause)
        )
      )
      yield* Effect.forkScoped(Effect.repeat(once, Schedule.spaced(Duration.fromInputUnsafe(interval))))
    })
  )

/** `Messaging` with `messages_sent_total{result}` recorded around every send (the use case knows no metrics). */
export const withSendMetrics = <E, R>(messaging: Layer.Layer<Messaging, E, R>): Layer.Layer<Messaging, E, R> =>
  Layer.effect(
    Messaging,
    Effect.gen(function* () {
      const base = yield* Messaging
      const counted = <A, E extends { readonly _tag: string }>(send: Effect.Effect<A, E>) =>
        send.pipe(
          Effect.tap(() => recordMessageSent("sent")),
          Effect.tapError((error) =>
            recordMessageSent(messageSendResultOf(error._tag)).pipe(
              Effect.andThen(error._tag === "TokenUnreadable" ? recordTokenDecryptFailure("send") : Effect.void)
            )
          )
        )
      return Messaging.of({
        sendText: (actor, input) => counted(base.sendText(actor, input)),
        sendTemplate: (actor, input) => counted(base.sendTemplate(actor, input))
      })
    })
  ).pipe(Layer.provide(messaging))
