import { Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { ConnectionRepository, type ConnectionWrite } from "../../application/ports/ConnectionRepository.ts"
import type { LiveEvent } from "../../application/ports/LiveEvents.ts"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { ChannelConnection, ConnectionStatus } from "../../domain/ChannelConnection.ts"
import { ConnectionNotFound, NumberAlreadyConnected } from "../../domain/Errors.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { connectionTransitionEvent } from "../../domain/OutboundEvent.ts"
import { transactionAnnouncing, writeOutbox } from "./OutboxPg.ts"
import { withRecentCurrent } from "./RecentConnections.ts"
import { ConnectionRow, toConnection, toJson } from "./Rows.ts"

export const ConnectionRepositoryPg = Layer.effect(
  ConnectionRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const live = yield* Effect.serviceOption(LiveEvents)

    const ensureTenant = (tenantId: TenantId) =>
      sql`INSERT INTO tenants (id) VALUES (${tenantId}) ON CONFLICT (id) DO NOTHING`

    const values = (write: ConnectionWrite, phoneNumberId: string | null) => sql`(
      ${write.tenantId}, ${write.provider}, ${write.status}, ${write.wabaId}, ${phoneNumberId},
      ${write.phoneNumberE164}, ${write.displayName}, ${write.accessTokenEnc}, ${write.tokenExpiresAt},
      ${toJson(write.scopes)}::jsonb, ${toJson(write.metadata)}::jsonb, COALESCE(${write.connectedAt ?? null}::timestamptz, now())
    )`

    /** A move into active, revoked or error announces itself in the write's transaction (the outbox). */
    const announce = (announced: Array<LiveEvent>, before: ConnectionStatus | null, after: ChannelConnection) => {
      const event = connectionTransitionEvent(before, after)
      return event === null ? Effect.void : writeOutbox(sql, [event], announced)
    }
    const statusOf = (rows: ReadonlyArray<Record<string, unknown>>) =>
      rows.length === 0 ? null : (rows[0]!["status"] as ConnectionStatus)

    const columns = sql`(tenant_id, provider, status, waba_id, phone_number_id, phone_number_e164, display_name,
      access_token_enc, token_expires_at, scopes, metadata, connected_at)`

    const claimNumber: ConnectionRepository["Service"]["claimNumber"] = (phoneNumberId, write) =>
      transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          yield* ensureTenant(write.tenantId)
          const before = statusOf(
            yield* sql`SELECT status FROM channel_connections
                         WHERE provider = ${write.provider} AND phone_number_id = ${phoneNumberId}
                           AND tenant_id = ${write.tenantId} FOR UPDATE`
          )
          // A revoked row of another tenant releases the number and keeps that tenant's history.
          yield* sql`
              UPDATE channel_connections
              SET phone_number_id = NULL, updated_at = now(),
                  metadata = metadata || jsonb_build_object('released_phone_number_id', phone_number_id::text)
              WHERE provider = ${write.provider} AND phone_number_id = ${phoneNumberId}
                AND status = 'revoked' AND tenant_id <> ${write.tenantId}`
          const rows = yield* sql`
              INSERT INTO channel_connections ${columns} VALUES ${values(write, phoneNumberId)}
              ON CONFLICT (provider, phone_number_id) DO UPDATE SET
                status = EXCLUDED.status, waba_id = EXCLUDED.waba_id,
                phone_number_e164 = EXCLUDED.phone_number_e164, display_name = EXCLUDED.display_name,
                access_token_enc = EXCLUDED.access_token_enc, token_expires_at = EXCLUDED.token_expires_at,
                scopes = EXCLUDED.scopes, metadata = EXCLUDED.metadata, connected_at = EXCLUDED.connected_at,
                updated_at = now()
              WHERE channel_connections.tenant_id = EXCLUDED.tenant_id
              RETURNING *`
          if (rows.length === 0) return yield* new NumberAlreadyConnected({ phoneNumberId })
          const connection = toConnection(rows[0]!)
          yield* announce(announced, before, connection)
          return connection
        })
      ).pipe(Effect.catchTag("SqlError", Effect.die), Effect.withSpan("ConnectionRepositoryPg.claimNumber"))

    const upsertUnnumbered: ConnectionRepository["Service"]["upsertUnnumbered"] = (write) =>
      transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          yield* ensureTenant(write.tenantId)
          const current = yield* sql`
              SELECT id, status FROM channel_connections
              WHERE tenant_id = ${write.tenantId} AND provider = ${write.provider} AND phone_number_id IS NULL
              ORDER BY updated_at DESC LIMIT 1 FOR UPDATE`
          const updated = yield* sql`
              UPDATE channel_connections SET
                status = ${write.status}, waba_id = ${write.wabaId}, phone_number_e164 = ${write.phoneNumberE164},
                display_name = ${write.displayName}, access_token_enc = ${write.accessTokenEnc},
                token_expires_at = ${write.tokenExpiresAt}, scopes = ${toJson(write.scopes)}::jsonb,
                metadata = ${toJson(write.metadata)}::jsonb,
                connected_at = COALESCE(${write.connectedAt ?? null}::timestamptz, now()), updated_at = now()
              WHERE id = (
                SELECT id FROM channel_connections
                WHERE tenant_id = ${write.tenantId} AND provider = ${write.provider} AND phone_number_id IS NULL
                ORDER BY updated_at DESC LIMIT 1 FOR UPDATE)
              RETURNING *`
          if (updated.length > 0) {
            const connection = toConnection(updated[0]!)
            yield* announce(announced, statusOf(current), connection)
            return connection
          }
          const inserted =
            yield* sql`INSERT INTO channel_connections ${columns} VALUES ${values(write, null)} RETURNING *`
          const connection = toConnection(inserted[0]!)
          yield* announce(announced, null, connection)
          return connection
        })
      ).pipe(Effect.orDie, Effect.withSpan("ConnectionRepositoryPg.upsertUnnumbered"))

    // The reads: each row decoded by the domain schema (`ConnectionRow`).
    const ByTenant = Schema.Struct({ tenantId: Schema.String, id: Schema.String })
    const ByProvider = Schema.Struct({ tenantId: Schema.String, provider: Schema.String })
    const findById = SqlSchema.findOneOption({
      Request: ByTenant,
      Result: ConnectionRow,
      execute: ({ tenantId, id }) => sql`SELECT * FROM channel_connections WHERE tenant_id = ${tenantId} AND id = ${id}`
    })
    const findCurrent = SqlSchema.findOneOption({
      Request: ByProvider,
      Result: ConnectionRow,
      execute: ({ tenantId, provider }) =>
        sql`SELECT * FROM channel_connections WHERE tenant_id = ${tenantId} AND provider = ${provider}
            ORDER BY (status <> 'revoked') DESC, updated_at DESC, id DESC LIMIT 1`
    })
    const listByTenant = SqlSchema.findAll({
      Request: ByProvider,
      Result: ConnectionRow,
      execute: ({ tenantId, provider }) =>
        sql`SELECT * FROM channel_connections WHERE tenant_id = ${tenantId} AND provider = ${provider}
            ORDER BY updated_at DESC, id DESC`
    })
    const findByPhoneNumberId = SqlSchema.findOneOption({
      Request: Schema.String,
      Result: ConnectionRow,
      execute: (phoneNumberId) =>
        sql`SELECT * FROM channel_connections WHERE provider = 'meta_whatsapp' AND phone_number_id = ${phoneNumberId}`
    })
    const findByWabaId = SqlSchema.findAll({
      Request: Schema.String,
      Result: ConnectionRow,
      execute: (wabaId) =>
        sql`SELECT * FROM channel_connections WHERE provider = 'meta_whatsapp' AND waba_id = ${wabaId}
            ORDER BY updated_at DESC`
    })
    const listHoldingTokens = SqlSchema.findAll({
      Request: Schema.Void,
      Result: ConnectionRow,
      execute: () =>
        sql`SELECT * FROM channel_connections WHERE access_token_enc IS NOT NULL AND status <> 'revoked'
            ORDER BY id`
    })

    const update: ConnectionRepository["Service"]["update"] = (tenantId, id, patch) =>
      transactionAnnouncing(sql, live, (announced) =>
        Effect.gen(function* () {
          const removed = Object.entries(patch.metadata ?? {})
            .filter(([, value]) => value === null)
            .map(([key]) => key)
          const merged = Object.fromEntries(Object.entries(patch.metadata ?? {}).filter(([, value]) => value !== null))
          const before = statusOf(
            yield* sql`SELECT status FROM channel_connections WHERE tenant_id = ${tenantId} AND id = ${id} FOR UPDATE`
          )
          const rows = yield* sql`
          UPDATE channel_connections SET
            status = COALESCE(${patch.status ?? null}, status),
            access_token_enc = CASE WHEN ${patch.accessTokenEnc !== undefined} THEN ${patch.accessTokenEnc ?? null}
                                    ELSE access_token_enc END,
            token_expires_at = CASE WHEN ${patch.tokenExpiresAt !== undefined} THEN ${patch.tokenExpiresAt ?? null}::timestamptz
                                    ELSE token_expires_at END,
            metadata = (metadata || ${toJson(merged)}::jsonb)
              - ARRAY(SELECT jsonb_array_elements_text(${toJson(removed)}::jsonb)),
            updated_at = now()
          WHERE tenant_id = ${tenantId} AND id = ${id}
          RETURNING *`
          if (rows.length === 0) return yield* new ConnectionNotFound({})
          const connection = toConnection(rows[0]!)
          yield* announce(announced, before, connection)
          return connection
        })
      ).pipe(Effect.catchTag("SqlError", Effect.die), Effect.withSpan("ConnectionRepositoryPg.update"))

    // The status view reads the current row through a short per-tenant cache (issue 18.4).
    return ConnectionRepository.of(
      withRecentCurrent({
        claimNumber,
        upsertUnnumbered,
        findById: (tenantId, id) => findById({ tenantId, id }).pipe(Effect.orDie),
        findCurrent: (tenantId, provider) => findCurrent({ tenantId, provider }).pipe(Effect.orDie),
        listByTenant: (tenantId, provider) => listByTenant({ tenantId, provider }).pipe(Effect.orDie),
        findByPhoneNumberId: (phoneNumberId) => findByPhoneNumberId(phoneNumberId).pipe(Effect.orDie),
        findByWabaId: (wabaId) => findByWabaId(wabaId).pipe(Effect.orDie),
        update,
        listHoldingTokens: () => listHoldingTokens(undefined).pipe(Effect.orDie),
        deleteUnnumbered: (tenantId, provider) =>
          sql`DELETE FROM channel_connections
            WHERE tenant_id = ${tenantId} AND provider = ${provider} AND phone_number_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM conversations c WHERE c.connection_id = channel_connections.id)
            RETURNING id`.pipe(
            Effect.map((rows) => rows.length),
            Effect.orDie
          ),
        replaceToken: (id, expected, next) =>
          sql`UPDATE channel_connections SET access_token_enc = ${next}
            WHERE id = ${id} AND access_token_enc = ${expected} RETURNING id`.pipe(
            Effect.map((rows) => rows.length === 1),
            Effect.orDie
          )
      })
    )
  })
)
