import { Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql"
import { MediaRepository } from "../../application/messaging/ports/MediaRepository.ts"
import type { ConnectionId, MessageId, TenantId } from "../../domain/Ids.ts"
import type { MediaKind, MediaState, MessageMedia } from "../../domain/Media.ts"
import type { Row } from "./Rows.ts"

const toMedia = (row: Row): MessageMedia => ({
  messageId: row["message_id"] as MessageId,
  tenantId: row["tenant_id"] as TenantId,
  connectionId: row["connection_id"] as ConnectionId,
  kind: row["kind"] as MediaKind,
  providerMediaId: row["provider_media_id"] as string,
  declaredMimeType: (row["declared_mime_type"] as string | null) ?? null,
  animated: row["animated"] === true,
  caption: (row["caption"] as string | null) ?? null,
  filename: (row["filename"] as string | null) ?? null,
  state: row["state"] as MediaState,
  mimeType: (row["mime_type"] as string | null) ?? null,
  sizeBytes: row["size_bytes"] === null || row["size_bytes"] === undefined ? null : Number(row["size_bytes"]),
  sha256: (row["sha256"] as string | null) ?? null,
  storageKey: (row["storage_key"] as string | null) ?? null,
  attempts: Number(row["attempts"]),
  lastError: (row["last_error"] as string | null) ?? null
})

export const MediaRepositoryPg = Layer.effect(
  MediaRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    return MediaRepository.of({
      enqueue: (m, now) =>
        sql`INSERT INTO message_media (message_id, tenant_id, connection_id, kind, provider_media_id,
              declared_mime_type, animated, caption, filename, state, next_attempt_at, created_at, updated_at)
            VALUES (${m.messageId}, ${m.tenantId}, ${m.connectionId}, ${m.kind}, ${m.providerMediaId},
              ${m.declaredMimeType}, ${m.animated}, ${m.caption}, ${m.filename}, 'pending', ${now}, ${now}, ${now})
            ON CONFLICT (message_id) DO NOTHING`.pipe(Effect.asVoid, Effect.orDie),
      saveStored: (m, c, now) =>
        sql`INSERT INTO message_media (message_id, tenant_id, connection_id, kind, provider_media_id,
              declared_mime_type, animated, caption, filename, state, mime_type, size_bytes, sha256, storage_key,
              created_at, updated_at)
            VALUES (${m.messageId}, ${m.tenantId}, ${m.connectionId}, ${m.kind}, ${m.providerMediaId},
              ${m.declaredMimeType}, ${m.animated}, ${m.caption}, ${m.filename}, 'available', ${c.mimeType},
              ${c.sizeBytes}, ${c.sha256}, ${c.storageKey}, ${now}, ${now})
            ON CONFLICT (message_id) DO NOTHING`.pipe(Effect.asVoid, Effect.orDie),
      claim: (limit, leaseSeconds, now) =>
        sql`UPDATE message_media SET attempts = attempts + 1,
              locked_until = ${now}::timestamptz + make_interval(secs => ${leaseSeconds})
            WHERE message_id IN (
              SELECT message_id FROM message_media
              WHERE state = 'pending' AND next_attempt_at <= ${now}
                AND (locked_until IS NULL OR locked_until <= ${now})
              ORDER BY next_attempt_at
              LIMIT ${limit}
              FOR UPDATE SKIP LOCKED)
            RETURNING *`.pipe(
          Effect.map((rows) => rows.map(toMedia)),
          Effect.orDie
        ),
      markAvailable: (id, c, now) =>
        sql`UPDATE message_media SET state = 'available', mime_type = ${c.mimeType}, size_bytes = ${c.sizeBytes},
              sha256 = ${c.sha256}, storage_key = ${c.storageKey}, last_error = NULL, locked_until = NULL,
              updated_at = ${now}
            WHERE message_id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markRetry: (id, error, retryAt) =>
        sql`UPDATE message_media SET last_error = ${error}, next_attempt_at = ${retryAt}, locked_until = NULL,
              updated_at = now()
            WHERE message_id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      markFailed: (id, error, now) =>
        sql`UPDATE message_media SET state = 'failed', last_error = ${error}, locked_until = NULL, updated_at = ${now}
            WHERE message_id = ${id}`.pipe(Effect.asVoid, Effect.orDie),
      find: (tenantId, messageId) =>
        sql`SELECT * FROM message_media WHERE tenant_id = ${tenantId} AND message_id = ${messageId}`.pipe(
          Effect.map((rows) => Option.map(Option.fromNullishOr(rows[0]), toMedia)),
          Effect.orDie
        ),
      findMany: (tenantId, ids) =>
        ids.length === 0
          ? Effect.succeed([])
          : sql`SELECT * FROM message_media WHERE tenant_id = ${tenantId} AND message_id IN ${sql.in(ids)}`.pipe(
              Effect.map((rows) => rows.map(toMedia)),
              Effect.orDie
            )
    })
  })
)
