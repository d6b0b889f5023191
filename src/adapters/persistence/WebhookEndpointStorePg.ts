import { Effect, Layer, Option } from "effect"
import { SqlClient, type SqlError } from "effect/sql"
import {
  type AttemptOutcome,
  type Delivery,
  type DeliveryAttempt,
  type StoredEndpoint,
  WebhookEndpointStore
} from "../../application/outbound/ports/WebhookEndpointStore.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import { isUuid, type TenantId } from "../../domain/Ids.ts"
import { DELIVERY_STATE_AFTER } from "../../domain/OutboundEvent.ts"
import { subscribesSql } from "./OutboxPg.ts"

type Row = Record<string, unknown>

const toEndpoint = (row: Row): StoredEndpoint => ({
  id: row["id"] as string,
  tenantId: row["tenant_id"] as TenantId,
  url: row["url"] as string,
  events: row["events"] as ReadonlyArray<string>,
  secretEnc: row["secret_enc"] as EncryptedToken,
  previousSecretEnc: (row["previous_secret_enc"] as EncryptedToken | null) ?? null,
  previousSecretExpiresAt: (row["previous_secret_expires_at"] as Date | null) ?? null,
  enabled: row["enabled"] as boolean,
  disabledReason: (row["disabled_reason"] as string | null) ?? null,
  consecutiveFailures: row["consecutive_failures"] as number,
  createdAt: row["created_at"] as Date,
  updatedAt: row["updated_at"] as Date
})

const toDelivery = (row: Row, attempts: ReadonlyArray<Row>): Delivery => ({
  id: row["id"] as string,
  endpointId: row["endpoint_id"] as string,
  eventId: row["event_id"] as string,
  eventType: row["event_type"] as string,
  state: row["status"] as Delivery["state"],
  attempts: row["attempts"] as number,
  nextAttemptAt: row["status"] === "pending" ? (row["next_attempt_at"] as Date) : null,
  lastStatusCode: (row["last_status_code"] as number | null) ?? null,
  lastError: (row["last_error"] as string | null) ?? null,
  createdAt: row["created_at"] as Date,
  finishedAt: (row["finished_at"] as Date | null) ?? null,
  occurredAt: row["occurred_at"] as Date,
  attemptLog: attempts.map((a) => ({
    attemptedAt: a["attempted_at"] as Date,
    statusCode: (a["status_code"] as number | null) ?? null,
    durationMs: a["duration_ms"] as number,
    responseExcerpt: (a["response_excerpt"] as string | null) ?? null,
    error: (a["error"] as string | null) ?? null
  }))
})

/** Postgres text[] from a list (the client sends a JS array as a JSON-ish literal otherwise). */
const textArray = (values: ReadonlyArray<string>) => JSON.stringify(values)

/**
 * An id from outside as a `uuid` parameter: one that is not a UUID becomes null and matches nothing. The columns are
 * compared as `uuid` so their indexes serve the lookups; `id::text = …` read every row of the table (the claim's
 * events lookup took 51 ms at 100,000 events, growing with the outbox; issue 19).
 */
const uuidOrNull = (id: string): string | null => (isUuid(id) ? id : null)

/**
 * Events a replay statement fans out at most (issue 19.5, w10C): one `INSERT … SELECT` per page of the range's
 * matching events, each committed on its own, until a page comes back short. At 5,000 rows the page's sort took
 * 818 kB (a quicksort in memory, a fifth of the default 4 MB `work_mem`; 20,000 would be near it and more spill to
 * disk), the statement about 0.1 s plus as much again for the deliveries' foreign key checks, and no lock or
 * snapshot is held for longer than a page; a day of a busy tenant (tens of thousands of events) is a few statements.
 */
export const REPLAY_PAGE = 5_000

/** Where a replay's next page starts: after this event (`occurred_at` as UTC text to the microsecond, and id). */
interface ReplayCursor {
  readonly at: string
  readonly id: string
}

/** What a replay page queued: how many deliveries, and the cursor after its last event (null: it had none). */
interface ReplayPage {
  readonly inserted: number
  readonly last: ReplayCursor | null
}

export const WebhookEndpointStorePg = Layer.effect(
  WebhookEndpointStore,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const events = (values: ReadonlyArray<string>) =>
      sql`ARRAY(SELECT jsonb_array_elements_text(${textArray(values)}::jsonb))`
    /** Ids the database gave (so UUIDs) as a uuid set, compared without a cast of the column. */
    const uuids = (ids: ReadonlyArray<string>) =>
      sql`(SELECT (jsonb_array_elements_text(${textArray(ids)}::jsonb))::uuid)`

    /**
     * One page of a replay: the tenant's events of [from, to) after the cursor `after` (their `occurred_at, id`, as
     * UTC text with microseconds: a JS Date would drop them), not test events, that the endpoint (enabled) subscribes
     * to, oldest first, each a new pending delivery whose `seq` follows that order. Answers how many and the cursor of
     * the page's last event (null when it had none).
     */
    const replayPage = (
      tenantId: TenantId,
      endpointId: string,
      from: Date,
      to: Date,
      after: ReplayCursor | null
    ): Effect.Effect<ReplayPage, SqlError.SqlError> => {
      const afterAt = after?.at ?? null
      const afterId = after?.id ?? null
      return sql`
        WITH page AS MATERIALIZED (
          SELECT e.id, e.tenant_id, e.type, e.ordering_key, e.occurred_at, ep.id AS endpoint_id
          FROM outbound_events e
          JOIN webhook_endpoints ep ON ep.id = ${uuidOrNull(endpointId)}::uuid AND ep.tenant_id = e.tenant_id
          WHERE e.tenant_id = ${tenantId} AND e.occurred_at >= ${from} AND e.occurred_at < ${to}
            AND e.type <> 'webhook.test' AND ep.enabled
            AND (${afterAt}::timestamptz IS NULL OR (e.occurred_at >= ${afterAt}::timestamptz
                 AND (e.occurred_at, e.id) > (${afterAt}::timestamptz, ${afterId}::uuid)))
            AND ${sql.unsafe(subscribesSql("ep.events", "e.type"))}
          ORDER BY e.occurred_at, e.id
          LIMIT ${REPLAY_PAGE}),
        inserted AS (
          INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type, ordering_key)
          SELECT page.id, page.endpoint_id, page.tenant_id, page.type, page.ordering_key
          FROM page ORDER BY page.occurred_at, page.id
          RETURNING 1)
        SELECT (SELECT count(*) FROM inserted)::int AS inserted, last.at, last.id::text AS id
        FROM (SELECT 1) AS one LEFT JOIN (
          SELECT to_char(page.occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at, page.id
          FROM page ORDER BY page.occurred_at DESC, page.id DESC LIMIT 1) last ON true`.pipe(
        Effect.map((rows) => {
          const row = rows[0]!
          return {
            inserted: Number(row["inserted"]),
            last: row["at"] === null ? null : { at: row["at"] as string, id: row["id"] as string }
          }
        })
      )
    }

    /**
     * Attempts recorded in one statement of data-modifying CTEs, as if one after the other in their order: the
     * attempts, the deliveries' new states, and per endpoint its failure count (a success resets it; failures count,
     * and the endpoint is disabled once the count reaches the threshold). One statement and one commit for what the
     * worker's sends answered meanwhile (issue 19, w9D; w7B had made it one per attempt). The endpoint's new count
     * is computed from the row being updated (`consecutive_failures + …`), so two workers recording for one endpoint
     * at once add up; the per-attempt "disabled it" answers (for the log) read the statement's snapshot. Attempts are
     * inserted only for deliveries the statement updated (locked): one whose endpoint was removed meanwhile does not
     * fail the others.
     */
    const recordAttempts = (
      records: ReadonlyArray<{
        readonly deliveryId: string
        readonly attempt: DeliveryAttempt
        readonly outcome: AttemptOutcome
      }>,
      disableAfter: number
    ): Effect.Effect<ReadonlyArray<{ readonly endpointDisabled: boolean }>> => {
      if (records.length === 0) return Effect.succeed([])
      const rows = records.map(({ deliveryId, attempt, outcome }, ord) => ({
        ord,
        delivery_id: deliveryId,
        attempted_at: attempt.attemptedAt.toISOString(),
        status_code: attempt.statusCode,
        duration_ms: Math.round(attempt.durationMs),
        response_excerpt: attempt.responseExcerpt,
        error: attempt.error,
        status: DELIVERY_STATE_AFTER[outcome._tag],
        next_attempt_at: outcome._tag === "Retry" ? outcome.at.toISOString() : null,
        ok: outcome._tag === "Delivered",
        finished: outcome._tag !== "Retry"
      }))
      return sql`
        WITH v AS MATERIALIZED (
          SELECT * FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS v(ord int, delivery_id uuid,
            attempted_at timestamptz, status_code int, duration_ms int, response_excerpt text, error text, status text,
            next_attempt_at timestamptz, ok boolean, finished boolean)),
        delivery AS (
          UPDATE webhook_deliveries d SET
            status = v.status, next_attempt_at = COALESCE(v.next_attempt_at, d.next_attempt_at), locked_until = NULL,
            last_status_code = v.status_code, last_error = v.error,
            finished_at = CASE WHEN v.finished THEN now() ELSE NULL END
          FROM v WHERE d.id = v.delivery_id
          RETURNING d.id, d.endpoint_id, v.ord, v.ok),
        attempt AS (
          INSERT INTO webhook_delivery_attempts (delivery_id, attempted_at, status_code, duration_ms,
                                                 response_excerpt, error)
          SELECT v.delivery_id, v.attempted_at, v.status_code, v.duration_ms, v.response_excerpt, v.error
          FROM v JOIN delivery ON delivery.ord = v.ord ORDER BY v.ord),
        -- A run: the attempts of one endpoint from one success (run 0: from the batch's start) to the next.
        runs AS (
          SELECT delivery.endpoint_id, delivery.ord, delivery.ok,
                 count(*) FILTER (WHERE delivery.ok) OVER (PARTITION BY delivery.endpoint_id ORDER BY delivery.ord) AS run
          FROM delivery),
        counted AS (
          SELECT runs.*,
                 count(*) FILTER (WHERE NOT runs.ok) OVER (PARTITION BY runs.endpoint_id, runs.run ORDER BY runs.ord)
                   AS failures_in_run,
                 max(runs.run) OVER (PARTITION BY runs.endpoint_id) AS last_run
          FROM runs),
        per AS (
          SELECT endpoint_id, bool_or(NOT ok) AS any_failed, max(run) > 0 AS any_ok,
                 COALESCE(max(failures_in_run) FILTER (WHERE run = 0), 0) AS leading,
                 COALESCE(max(failures_in_run) FILTER (WHERE run > 0), 0) AS later_peak,
                 COALESCE(max(failures_in_run) FILTER (WHERE run = last_run), 0) AS trailing,
                 count(*) FILTER (WHERE NOT ok) AS failures
          FROM counted GROUP BY endpoint_id),
        endpoint AS (
          UPDATE webhook_endpoints e SET
            consecutive_failures = CASE WHEN per.any_ok THEN per.trailing ELSE e.consecutive_failures + per.failures END,
            enabled = CASE WHEN GREATEST(e.consecutive_failures + per.leading, per.later_peak) >= ${disableAfter}
                           THEN false ELSE e.enabled END,
            disabled_reason = CASE WHEN e.enabled
                                     AND GREATEST(e.consecutive_failures + per.leading, per.later_peak) >= ${disableAfter}
                                   THEN 'failures' ELSE e.disabled_reason END,
            updated_at = CASE WHEN per.any_failed THEN now() ELSE e.updated_at END
          FROM per
          WHERE e.id = per.endpoint_id AND (per.any_failed OR e.consecutive_failures <> 0))
        SELECT v.ord,
               COALESCE(NOT c.ok
                 AND (CASE WHEN c.run = 0 THEN ep.consecutive_failures ELSE 0 END) + c.failures_in_run = ${disableAfter}
                 AND (ep.enabled OR ep.disabled_reason = 'failures'), false) AS just
        FROM v LEFT JOIN counted c ON c.ord = v.ord LEFT JOIN webhook_endpoints ep ON ep.id = c.endpoint_id
        ORDER BY v.ord`.pipe(
        Effect.map((result) => result.map((row) => ({ endpointDisabled: row["just"] === true }))),
        Effect.orDie,
        Effect.withSpan("WebhookEndpointStorePg.recordAttempts", { attributes: { attempts: records.length } })
      )
    }

    return WebhookEndpointStore.of({
      create: (endpoint) =>
        sql`
          INSERT INTO webhook_endpoints (id, tenant_id, url, events, secret_enc)
          VALUES (${endpoint.id}, ${endpoint.tenantId}, ${endpoint.url}, ${events(endpoint.events)}, ${endpoint.secretEnc})
          RETURNING *`.pipe(
          Effect.map((rows) => toEndpoint(rows[0]!)),
          Effect.orDie
        ),
      list: (tenantId) =>
        sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${tenantId} ORDER BY created_at, id`.pipe(
          Effect.map((rows) => rows.map(toEndpoint)),
          Effect.orDie
        ),
      find: (tenantId, id) =>
        sql`SELECT * FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND id = ${uuidOrNull(id)}::uuid`.pipe(
          Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(toEndpoint(rows[0]!)))),
          Effect.orDie
        ),
      update: (tenantId, id, patch) =>
        sql`
          UPDATE webhook_endpoints SET
            url = COALESCE(${patch.url ?? null}, url),
            events = CASE WHEN ${patch.events !== undefined} THEN ${events(patch.events ?? [])} ELSE events END,
            enabled = COALESCE(${patch.enabled ?? null}::boolean, enabled),
            disabled_reason = CASE WHEN ${patch.enabled !== undefined} THEN ${patch.disabledReason ?? null}
                                   ELSE disabled_reason END,
            consecutive_failures = CASE WHEN ${patch.enabled === true} THEN 0 ELSE consecutive_failures END,
            secret_enc = COALESCE(${patch.rotation?.secretEnc ?? null}, secret_enc),
            previous_secret_enc = COALESCE(${patch.rotation?.previousSecretEnc ?? null}, previous_secret_enc),
            previous_secret_expires_at = COALESCE(${patch.rotation?.previousSecretExpiresAt ?? null}::timestamptz,
                                                  previous_secret_expires_at),
            updated_at = now()
          WHERE tenant_id = ${tenantId} AND id = ${uuidOrNull(id)}::uuid
          RETURNING *`.pipe(
          Effect.map((rows) => (rows.length === 0 ? Option.none() : Option.some(toEndpoint(rows[0]!)))),
          Effect.orDie
        ),
      remove: (tenantId, id) =>
        sql`DELETE FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND id = ${uuidOrNull(id)}::uuid RETURNING id`.pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.orDie
        ),
      announceTo: (tenantId, endpointId, event) =>
        Effect.gen(function* () {
          const id = crypto.randomUUID()
          yield* sql`
            INSERT INTO outbound_events (id, tenant_id, type, data, ordering_key)
            VALUES (${id}, ${tenantId}, ${event.type}, ${JSON.stringify(event.data)}::jsonb, ${event.orderingKey})`
          yield* sql`
            INSERT INTO webhook_deliveries (event_id, endpoint_id, tenant_id, event_type)
            SELECT ${id}, id, tenant_id, ${event.type} FROM webhook_endpoints
            WHERE tenant_id = ${tenantId} AND id = ${uuidOrNull(endpointId)}::uuid`
          return id
        }).pipe(sql.withTransaction, Effect.orDie),
      claim: (limit, leaseSeconds) =>
        Effect.gen(function* () {
          const rows = yield* sql`
            WITH due AS (
              SELECT d.id FROM webhook_deliveries d
              JOIN webhook_endpoints ep ON ep.id = d.endpoint_id AND ep.enabled
              WHERE d.status = 'pending' AND d.next_attempt_at <= now()
                AND (d.locked_until IS NULL OR d.locked_until < now())
                AND (d.ordering_key IS NULL OR NOT EXISTS (
                  SELECT 1 FROM webhook_deliveries p
                  WHERE p.endpoint_id = d.endpoint_id AND p.ordering_key = d.ordering_key
                    AND p.status = 'pending' AND p.seq < d.seq))
              ORDER BY d.next_attempt_at, d.seq
              LIMIT ${limit}
              FOR UPDATE OF d SKIP LOCKED)
            UPDATE webhook_deliveries d
            SET locked_until = now() + make_interval(secs => ${leaseSeconds}), attempts = d.attempts + 1
            FROM due WHERE d.id = due.id
            RETURNING d.id, d.attempts, d.event_id, d.endpoint_id`
          if (rows.length === 0) return []
          const eventIds = rows.map((row) => row["event_id"] as string)
          const endpointIds = [...new Set(rows.map((row) => row["endpoint_id"] as string))]
          const eventRows = yield* sql`
            SELECT id, type, occurred_at, data FROM outbound_events WHERE id IN ${uuids(eventIds)}`
          const endpointRows = yield* sql`SELECT * FROM webhook_endpoints WHERE id IN ${uuids(endpointIds)}`
          const eventsById = new Map(eventRows.map((row) => [row["id"] as string, row]))
          const endpointsById = new Map(endpointRows.map((row) => [row["id"] as string, toEndpoint(row)]))
          return rows.flatMap((row) => {
            const event = eventsById.get(row["event_id"] as string)
            const endpoint = endpointsById.get(row["endpoint_id"] as string)
            if (event === undefined || endpoint === undefined) return []
            return [
              {
                id: row["id"] as string,
                attempts: row["attempts"] as number,
                event: {
                  id: event["id"] as string,
                  type: event["type"] as string,
                  occurredAt: event["occurred_at"] as Date,
                  data: event["data"]
                },
                endpoint
              }
            ]
          })
        }).pipe(sql.withTransaction, Effect.orDie, Effect.withSpan("WebhookEndpointStorePg.claim")),
      recordAttempt: (deliveryId, attempt, outcome, disableAfter) =>
        recordAttempts([{ deliveryId, attempt, outcome }], disableAfter).pipe(
          Effect.map((results) => results[0] ?? { endpointDisabled: false })
        ),
      recordAttempts,
      deliveries: (tenantId, endpointId, filter) =>
        Effect.gen(function* () {
          const rows = yield* sql`
            SELECT d.*, e.occurred_at FROM webhook_deliveries d JOIN outbound_events e ON e.id = d.event_id
            WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${uuidOrNull(endpointId)}::uuid
              AND (${filter.state ?? null}::text IS NULL OR d.status = ${filter.state ?? null})
              AND (${filter.eventType ?? null}::text IS NULL OR d.event_type = ${filter.eventType ?? null})
            ORDER BY d.created_at DESC, d.seq DESC LIMIT ${filter.first}`
          if (rows.length === 0) return []
          const ids = rows.map((row) => row["id"] as string)
          const attempts = yield* sql`
            SELECT * FROM webhook_delivery_attempts
            WHERE delivery_id IN ${uuids(ids)} ORDER BY id`
          return rows.map((row) =>
            toDelivery(
              row,
              attempts.filter((a) => a["delivery_id"] === row["id"])
            )
          )
        }).pipe(Effect.orDie),
      retryNow: (tenantId, deliveryId) =>
        sql`
          UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), locked_until = NULL,
            finished_at = NULL,
            attempts = CASE WHEN status = 'pending' THEN attempts ELSE 0 END
          WHERE tenant_id = ${tenantId} AND id = ${uuidOrNull(deliveryId)}::uuid
          RETURNING id`.pipe(
          Effect.map((rows) => rows.length === 1),
          Effect.orDie
        ),
      replay: (tenantId, endpointId, from, to) =>
        Effect.gen(function* () {
          let count = 0
          let after: ReplayCursor | null = null
          for (;;) {
            const page: ReplayPage = yield* replayPage(tenantId, endpointId, from, to, after)
            count += page.inserted
            if (page.inserted < REPLAY_PAGE || page.last === null) return count
            after = page.last
          }
        }).pipe(Effect.orDie, Effect.withSpan("WebhookEndpointStorePg.replay")),
      purgeBefore: (before, batch) =>
        sql`
          DELETE FROM outbound_events WHERE id IN (
            SELECT id FROM outbound_events WHERE occurred_at < ${before} ORDER BY occurred_at LIMIT ${batch})
          RETURNING id`.pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        )
    })
  })
)
