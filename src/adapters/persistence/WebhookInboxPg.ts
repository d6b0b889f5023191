import { Cause, Effect, Exit, Layer, Option } from "effect"
import { SqlClient, SqlError } from "effect/sql"
import { InboxWakeups } from "../../application/webhooks/ports/InboxWakeups.ts"
import { type IncomingWebhook, WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"
import type { WebhookEvent } from "../../domain/WebhookEvent.ts"
import { makeGroupCommit } from "./GroupCommit.ts"
import { INBOX_CHANNEL } from "./InboxWakeupsPg.ts"
import { toJson, toWebhookEvent } from "./Rows.ts"

const utf8 = new TextDecoder("utf-8")

/**
 * What `jsonb` refuses in a body as sent: `\u0000`, and a surrogate escape that is not half of a pair. An escaped
 * backslash before `u` can only make this match too often, which costs a re-serialisation, never a refusal.
 */
const JSONB_HOSTILE =
  /\\u0000|\\u[dD][89abAB][0-9a-fA-F]{2}(?!\\u[dD][c-fC-F])|(?<!\\u[dD][89abAB][0-9a-fA-F]{2})\\u[dD][c-fC-F][0-9a-fA-F]{2}/

/**
 * The `payload jsonb` of a delivery, when it must differ from the received text: null when PostgreSQL can parse
 * the bytes as sent (`convert_from(raw)`: the body travels once, and nothing is re-serialised here); else the
 * parsed body re-serialised jsonb-safe (U+FFFD instead). `raw` keeps the exact bytes either way.
 */
const BACKSLASH_U = Buffer.from("\\u", "latin1")
const fastJsonb = (event: IncomingWebhook): string | null =>
  // Most bodies hold no `\u` escape at all: a byte search settles them without decoding the body to text.
  Buffer.from(event.raw.buffer, event.raw.byteOffset, event.raw.byteLength).indexOf(BACKSLASH_U) !== -1 &&
  JSONB_HOSTILE.test(utf8.decode(event.raw))
    ? toJson(event.payload)
    : null
const safeJsonb = (event: IncomingWebhook): string | null => toJson(event.payload)

/** The database cannot be reached at all: retrying row by row would only wait longer for the same answer. */
const unreachable = (cause: Cause.Cause<unknown>): boolean =>
  cause.reasons.some(
    (reason) =>
      Cause.isFailReason(reason) &&
      SqlError.isSqlError(reason.error) &&
      ["ConnectionError", "AuthenticationError", "AuthorizationError"].includes(reason.error.reason._tag)
  )

/**
 * The intake's `INSERT` of a batch, whatever its size: `$1` the wake-up channel, then one array per column, in the
 * deliveries' order (`WITH ORDINALITY`, so the rows are inserted, and their ids returned, in that order). One text
 * and six parameters for any batch: the connection prepares it once and binds six values per batch, where one
 * `VALUES` row per delivery meant a text per batch size and five parameters per delivery (issue 18.3, w9A). The
 * payload array is empty when no delivery needs its own (`unnest` pads it with NULLs: PostgreSQL parses `raw`).
 */
const INSERT_BATCH = `INSERT INTO webhook_events (provider, received_at, body_sha256, payload, raw, next_attempt_at)
  SELECT v.provider, v.received_at, v.body_sha256, COALESCE(v.payload, convert_from(v.raw, 'UTF8'))::jsonb,
         v.raw, v.received_at
  FROM unnest($2::text[], $3::timestamptz[], $4::text[], $5::bytea[], $6::text[]) WITH ORDINALITY
    AS v(provider, received_at, body_sha256, raw, payload, n)
  ORDER BY v.n
  RETURNING id, pg_notify($1, '')::text AS woken`

export const WebhookInboxPg = Layer.effect(
  WebhookInbox,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const wakeups = yield* Effect.serviceOption(InboxWakeups)
    const wake = Option.isSome(wakeups) ? wakeups.value.wake : Effect.void

    // One multi-row statement for the whole batch: one round trip, one commit. Built lazily, so that whatever
    // building it throws is this effect's failure.
    const insert = (events: ReadonlyArray<IncomingWebhook>, jsonb: (event: IncomingWebhook) => string | null) =>
      Effect.suspend(() => {
        const size = events.length
        const providers = new Array<string>(size)
        const receivedAt = new Array<Date>(size)
        const sha256 = new Array<string>(size)
        const raws = new Array<Uint8Array>(size)
        const payloads = new Array<string | null>(size)
        let ownPayloads = false
        for (let index = 0; index < size; index++) {
          const event = events[index]!
          providers[index] = event.provider
          receivedAt[index] = event.receivedAt
          sha256[index] = event.bodySha256
          raws[index] = event.raw
          const payload = jsonb(event)
          payloads[index] = payload
          if (payload !== null) ownPayloads = true
        }
        return sql.unsafe<Record<string, unknown>>(INSERT_BATCH, [
          INBOX_CHANNEL,
          providers,
          receivedAt,
          sha256,
          raws,
          ownPayloads ? payloads : []
        ])
      }).pipe(
        Effect.flatMap((inserted) =>
          inserted.length === events.length
            ? Effect.succeed(inserted.map((row) => row["id"] as WebhookEventId))
            : Effect.die(new Error(`inserted ${inserted.length} of ${events.length} webhook events`))
        )
      )

    /** One delivery alone; if PostgreSQL refused its text as sent, once more re-serialised jsonb-safe. */
    const insertOne = (event: IncomingWebhook) =>
      insert([event], fastJsonb).pipe(
        Effect.catchCause((cause) =>
          Cause.hasInterruptsOnly(cause) || unreachable(cause) ? Effect.failCause(cause) : insert([event], safeJsonb)
        ),
        Effect.map((ids) => ids[0]!),
        Effect.orDie,
        Effect.exit
      )

    /** One batch of the group commit: one exit per delivery, in order. */
    const acceptBatch = (events: ReadonlyArray<IncomingWebhook>) => {
      if (events.length === 0) return Effect.succeed([])
      const stored =
        events.length === 1
          ? insertOne(events[0]!).pipe(Effect.map((exit) => [exit]))
          : insert(events, fastJsonb).pipe(
              Effect.map((ids) => ids.map((id) => Exit.succeed(id))),
              // One bad delivery must not cost its whole batch a 503: the batch is retried row by row, so only
              // the rows PostgreSQL refuses alone fail.
              Effect.catchCause((cause) =>
                Cause.hasInterruptsOnly(cause) || unreachable(cause)
                  ? Effect.failCause(cause)
                  : Effect.logWarning(
                      `Webhook batch of ${events.length} refused; storing its deliveries one by one`,
                      cause
                    ).pipe(Effect.andThen(Effect.forEach(events, insertOne, { concurrency: 4 })))
              ),
              Effect.orDie
            )
      // The NOTIFY went with the insert (every instance's worker hears it at commit); this instance's in process.
      return stored.pipe(
        Effect.tap(() => wake),
        // No stack trace: it would point here for every batch, and costs an Error per batch (issue 18.3, w10B).
        Effect.withSpan("WebhookInboxPg.accept", { attributes: { count: events.length } }, { captureStackTrace: false })
      )
    }

    const group = yield* makeGroupCommit(acceptBatch)

    return WebhookInbox.of({
      accept: group.accept,
      submit: group.submit,
      intakeHealth: group.health,
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
          RETURNING id, provider, received_at, body_sha256, state, attempts, last_error, processed_at, raw,
            CASE WHEN raw IS NULL THEN payload END AS payload`.pipe(
          // A row that cannot be read is parked as failed at once, so it never blocks the claims after it.
          Effect.flatMap((rows) =>
            Effect.forEach(rows, (row) =>
              Effect.try({ try: () => Option.some(toWebhookEvent(row)), catch: (cause) => cause }).pipe(
                Effect.catch((cause) =>
                  sql`UPDATE webhook_events SET state = 'failed', locked_until = NULL,
                        last_error = ${`unreadable row: ${cause instanceof Error ? cause.message : String(cause)}`}
                      WHERE id = ${row["id"] as string}`.pipe(Effect.as(Option.none<WebhookEvent>()))
                )
              )
            )
          ),
          Effect.map((events) =>
            events.flatMap(Option.toArray).sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
          ),
          Effect.orDie,
          Effect.withSpan("WebhookInboxPg.claim")
        ),
      markProcessed: (id, now) =>
        sql`UPDATE webhook_events SET state = 'processed', processed_at = ${now}, locked_until = NULL, last_error = NULL
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markUnrouted: (id, reason, now, keys) =>
        sql`UPDATE webhook_events SET state = 'unrouted', processed_at = ${now}, locked_until = NULL,
              last_error = ${reason},
              phone_number_ids = ARRAY(SELECT jsonb_array_elements_text(${toJson(keys.phoneNumberIds)}::jsonb)),
              waba_ids = ARRAY(SELECT jsonb_array_elements_text(${toJson(keys.wabaIds)}::jsonb))
            WHERE id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markFailed: (id, error, retryAt) =>
        (retryAt === null
          ? sql`UPDATE webhook_events SET state = 'failed', last_error = ${error}, locked_until = NULL WHERE id = ${id}`
          : sql`UPDATE webhook_events SET last_error = ${error}, locked_until = NULL, next_attempt_at = ${retryAt}
                WHERE id = ${id}`
        ).pipe(Effect.asVoid, Effect.orDie),
      requeueUnrouted: ({ phoneNumberId, wabaId, since }) =>
        sql`UPDATE webhook_events SET state = 'pending', next_attempt_at = received_at, attempts = 0
            WHERE state = 'unrouted' AND received_at >= ${since}
              AND (${phoneNumberId}::text = ANY(phone_number_ids) OR ${wabaId}::text = ANY(waba_ids))
            RETURNING id, pg_notify(${INBOX_CHANNEL}, '')::text AS woken`.pipe(
          Effect.map((rows) => rows.length),
          Effect.tap((n) => (n > 0 ? wake : Effect.void)),
          Effect.orDie
        ),
      purgeUnrouted: (before) =>
        sql`DELETE FROM webhook_events WHERE state = 'unrouted' AND received_at < ${before} RETURNING id`.pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        ),
      purgeProcessed: (before, limit) =>
        // One small batch through webhook_events_processed_idx (migration 0008); the caller loops.
        sql`DELETE FROM webhook_events WHERE id IN (
              SELECT id FROM webhook_events WHERE state = 'processed' AND processed_at < ${before}
              ORDER BY processed_at LIMIT ${limit})
            RETURNING id`.pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        ),
      listFailed: (limit) =>
        sql`SELECT id, received_at, attempts, last_error FROM webhook_events WHERE state = 'failed'
            ORDER BY received_at, id LIMIT ${limit}`.pipe(
          Effect.map((rows) =>
            rows.map((row) => ({
              id: row["id"] as WebhookEventId,
              receivedAt: row["received_at"] as Date,
              attempts: Number(row["attempts"]),
              lastError: (row["last_error"] as string | null) ?? null
            }))
          ),
          Effect.orDie
        ),
      requeueFailed: (ids) =>
        ids !== undefined && ids.length === 0
          ? Effect.succeed(0)
          : sql`UPDATE webhook_events SET state = 'pending', next_attempt_at = received_at, attempts = 0,
                  locked_until = NULL
                WHERE state = 'failed' ${ids === undefined ? sql`` : sql`AND id IN ${sql.in(ids)}`}
                RETURNING id, pg_notify(${INBOX_CHANNEL}, '')::text AS woken`.pipe(
              Effect.map((rows) => rows.length),
              Effect.tap((n) => (n > 0 ? wake : Effect.void)),
              Effect.orDie
            ),
      stats: (now) =>
        // One scan per state of webhook_events_open_idx (state, received_at, id, without the processed rows; migration
        // 0018), index-only: the cost follows the pending, unrouted and failed rows, never the processed ones (a
        // whole-table count took 95-159 ms at 1M).
        sql`
          SELECT (SELECT count(*) FROM webhook_events WHERE state = 'pending')::int AS pending,
                 (SELECT count(*) FROM webhook_events WHERE state = 'unrouted')::int AS unrouted,
                 (SELECT count(*) FROM webhook_events WHERE state = 'failed')::int AS failed,
                 (SELECT min(received_at) FROM webhook_events WHERE state = 'pending') AS oldest`.pipe(
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
