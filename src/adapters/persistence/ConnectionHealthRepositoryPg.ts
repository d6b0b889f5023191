import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import {
  HEALTH_CHECK_NAMES,
  HEALTH_STATUSES,
  type HealthCheck,
  type HealthCheckName,
  type HealthStatus
} from "../../domain/ConnectionHealth.ts"
import type { ConnectionId } from "../../domain/Ids.ts"
import { healthChangedEvent } from "../../domain/OutboundEvent.ts"
import { LAST_WEBHOOK_MARK_SECONDS } from "../../domain/WebhookSilence.ts"
import { transactionAnnouncing, writeOutbox } from "./OutboxPg.ts"
import { toJson } from "./Rows.ts"

/** `checks` jsonb, keyed by check name, back to checks in display order (unknown names or statuses are dropped). */
const checksOf = (value: unknown): ReadonlyArray<HealthCheck> => {
  const object = (typeof value === "string" ? JSON.parse(value) : value) as Record<string, unknown> | null
  if (object === null || typeof object !== "object") return []
  return HEALTH_CHECK_NAMES.flatMap((name: HealthCheckName) => {
    const stored = object[name] as { status?: unknown; message?: unknown; checkedAt?: unknown } | undefined
    if (stored === undefined || !HEALTH_STATUSES.includes(stored.status as HealthStatus)) return []
    return [
      {
        name,
        status: stored.status as HealthStatus,
        message: String(stored.message ?? ""),
        checkedAt: new Date(String(stored.checkedAt))
      }
    ]
  })
}

const asDate = (value: unknown): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(String(value))

export const ConnectionHealthRepositoryPg = Layer.effect(
  ConnectionHealthRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const live = yield* Effect.serviceOption(LiveEvents)

    const get: ConnectionHealthRepository["Service"]["get"] = (tenantId, connectionId) =>
      sql`SELECT checks, last_webhook_at FROM connection_health
          WHERE connection_id = ${connectionId} AND tenant_id = ${tenantId}`.pipe(
        Effect.map((rows) =>
          rows.length === 0
            ? { checks: [], lastWebhookAt: null }
            : { checks: checksOf(rows[0]!["checks"]), lastWebhookAt: asDate(rows[0]!["last_webhook_at"]) }
        ),
        Effect.orDie,
        Effect.withSpan("ConnectionHealthRepositoryPg.get")
      )

    const save: ConnectionHealthRepository["Service"]["save"] = (tenantId, connectionId, checks) => {
      const object = Object.fromEntries(
        checks.map((check) => [
          check.name,
          { status: check.status, message: check.message, checkedAt: check.checkedAt.toISOString() }
        ])
      )
      // Only a connection of the tenant gets a row; another tenant's row is never touched. A change of the overall
      // health announces `connection.health_changed` in the same transaction (the row lock orders concurrent saves).
      return transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          const before = yield* sql`SELECT checks FROM connection_health
            WHERE connection_id = ${connectionId} AND tenant_id = ${tenantId} FOR UPDATE`
          const saved = yield* sql`INSERT INTO connection_health (connection_id, tenant_id, checks)
            SELECT id, tenant_id, ${toJson(object)}::jsonb FROM channel_connections
            WHERE id = ${connectionId} AND tenant_id = ${tenantId}
            ON CONFLICT (connection_id) DO UPDATE SET
              checks = connection_health.checks || EXCLUDED.checks, updated_at = now()
            WHERE connection_health.tenant_id = EXCLUDED.tenant_id
            RETURNING checks`
          if (saved.length === 0) return
          const previous = before.length === 0 ? [] : checksOf(before[0]!["checks"])
          const event = healthChangedEvent(tenantId, connectionId, previous, checksOf(saved[0]!["checks"]))
          if (event !== null) yield* writeOutbox(sql, [event], announced)
        })
      ).pipe(Effect.orDie, Effect.withSpan("ConnectionHealthRepositoryPg.save"))
    }

    // Throttled in SQL: a row whose time is less than a minute older than `at` (or newer) is not rewritten.
    const recordWebhook: ConnectionHealthRepository["Service"]["recordWebhook"] = (tenantId, connectionId, at) =>
      sql`INSERT INTO connection_health (connection_id, tenant_id, last_webhook_at)
          SELECT id, tenant_id, ${at} FROM channel_connections WHERE id = ${connectionId} AND tenant_id = ${tenantId}
          ON CONFLICT (connection_id) DO UPDATE SET last_webhook_at = EXCLUDED.last_webhook_at, updated_at = now()
          WHERE connection_health.tenant_id = EXCLUDED.tenant_id
            AND (connection_health.last_webhook_at IS NULL
              OR connection_health.last_webhook_at
                < EXCLUDED.last_webhook_at - ${LAST_WEBHOOK_MARK_SECONDS} * interval '1 second')`.pipe(
        Effect.asVoid,
        Effect.orDie,
        Effect.withSpan("ConnectionHealthRepositoryPg.recordWebhook")
      )

    const lastWebhookTimes: ConnectionHealthRepository["Service"]["lastWebhookTimes"] = () =>
      sql`SELECT connection_id, last_webhook_at FROM connection_health WHERE last_webhook_at IS NOT NULL`.pipe(
        Effect.map(
          (rows) =>
            new Map(rows.map((row) => [String(row["connection_id"]) as ConnectionId, asDate(row["last_webhook_at"])!]))
        ),
        Effect.orDie,
        Effect.withSpan("ConnectionHealthRepositoryPg.lastWebhookTimes")
      )

    const listAll: ConnectionHealthRepository["Service"]["listAll"] =
      sql`SELECT connection_id, checks FROM connection_health`.pipe(
        Effect.map((rows) =>
          rows.map((row) => ({
            connectionId: String(row["connection_id"]) as ConnectionId,
            checks: checksOf(row["checks"])
          }))
        ),
        Effect.orDie,
        Effect.withSpan("ConnectionHealthRepositoryPg.listAll")
      )

    return ConnectionHealthRepository.of({ get, save, recordWebhook, lastWebhookTimes, listAll })
  })
)
