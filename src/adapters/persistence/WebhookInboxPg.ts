import { Effect, Layer } from "effect"
import { SqlClient } from "effect/sql"
import { WebhookInbox } from "../../application/ports/WebhookInbox.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"
import { toJson, toWebhookEvent } from "./Rows.ts"

export const WebhookInboxPg = Layer.effect(
  WebhookInbox,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return WebhookInbox.of({
      accept: (events) => {
        if (events.length === 0) return Effect.succeed([])
        // One multi-row statement for the whole batch: one round trip, one commit.
        const rows = events.map(
          (event) =>
            sql`(${event.provider}, ${event.receivedAt}, ${event.bodySha256}, ${toJson(event.payload)}::jsonb, ${event.receivedAt})`
        )
        return sql`
          INSERT INTO webhook_events (provider, received_at, body_sha256, payload, next_attempt_at)
          VALUES ${sql.csv(rows)} RETURNING id`.pipe(
          Effect.map((inserted) => inserted.map((row) => row["id"] as WebhookEventId)),
          Effect.orDie,
          Effect.withSpan("WebhookInboxPg.accept", { attributes: { count: events.length } })
        )
      },
      claim: (limit, leaseSeconds, now) =>
        sql`
          UPDATE webhook_events SET attempts = attempts + 1,
            locked_until = ${now}::timestamptz + make_interval(secs => ${leaseSeconds})
          WHERE id IN (
            SELECT id FROM webhook_events
            WHERE state = 'pending' AND next_attempt_at <= ${now} AND (locked_until IS NULL OR locked_until <= ${now})
            ORDER BY received_at, id
            LIMIT ${limit}
            FOR UPDATE SKIP LOCKED)
          RETURNING *`.pipe(
          Effect.map((rows) =>
            rows.map(toWebhookEvent).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
          ),
          Effect.orDie,
          Effect.withSpan("WebhookInboxPg.claim")
        ),
      markProcessed: (id, now) =>
        sql`UPDATE webhook_events SET state = 'processed', processed_at = ${now}, locked_until = NULL, last_error = NULL
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markUnrouted: (id, reason, now) =>
        sql`UPDATE webhook_events SET state = 'unrouted', processed_at = ${now}, locked_until = NULL,
              last_error = ${reason}
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markFailed: (id, error, retryAt) =>
        (retryAt === null
          ? sql`UPDATE webhook_events SET state = 'failed', last_error = ${error}, locked_until = NULL WHERE id = ${id}`
          : sql`UPDATE webhook_events SET last_error = ${error}, locked_until = NULL, next_attempt_at = ${retryAt}
                WHERE id = ${id}`
        ).pipe(Effect.asVoid, Effect.orDie),
      requeueUnrouted: () =>
        sql`UPDATE webhook_events SET state = 'pending', next_attempt_at = received_at, attempts = 0
            WHERE state = 'unrouted' RETURNING id`.pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        ),
      stats: (now) =>
        sql`
          SELECT count(*) FILTER (WHERE state = 'pending')::int AS pending,
                 count(*) FILTER (WHERE state = 'unrouted')::int AS unrouted,
                 count(*) FILTER (WHERE state = 'failed')::int AS failed,
                 min(received_at) FILTER (WHERE state = 'pending') AS oldest
          FROM webhook_events`.pipe(
          Effect.map((rows) => {
            const row = rows[0]!
            const oldest = row["oldest"] as Date | null
            return {
              pending: Number(row["pending"]),
              unrouted: Number(row["unrouted"]),
              failed: Number(row["failed"]),
              oldestPendingSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000)
            }
          }),
          Effect.orDie
        )
    })
  })
)
