import { Effect, Layer, Schema } from "effect"
import { SqlClient, SqlSchema } from "effect/sql"
import { OAuthStateRepository } from "../../application/connect/ports/OAuthStateRepository.ts"
import { OAuthStateAlreadyUsed, OAuthStateExpired, OAuthStateNotFound } from "../../domain/Errors.ts"
import { OAuthStateRow, toJson, toOAuthState } from "./Rows.ts"

export const OAuthStateRepositoryPg = Layer.effect(
  OAuthStateRepository,
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const find = SqlSchema.findOneOption({
      Request: Schema.Struct({ provider: Schema.String, nonce: Schema.String }),
      Result: OAuthStateRow,
      execute: ({ provider, nonce }) =>
        sql`SELECT * FROM oauth_states WHERE provider = ${provider} AND nonce = ${nonce}`
    })
    return OAuthStateRepository.of({
      create: (state, limit) =>
        Effect.gen(function* () {
          yield* sql`INSERT INTO tenants (id) VALUES (${state.tenantId}) ON CONFLICT (id) DO NOTHING`
          const rows = yield* sql`
            INSERT INTO oauth_states (tenant_id, user_id, provider, nonce, expires_at, metadata)
            VALUES (${state.tenantId}, ${state.userId}, ${state.provider}, ${state.nonce}, ${state.expiresAt},
                    ${toJson(state.metadata)}::jsonb)
            RETURNING *`
          // The newest `keepUnused` unused states stay (this one among them); older unused ones go.
          yield* sql`
            DELETE FROM oauth_states
            WHERE tenant_id = ${state.tenantId} AND provider = ${state.provider}
              AND used_at IS NULL AND expires_at > ${limit.now}
              AND id NOT IN (
                SELECT id FROM oauth_states
                WHERE tenant_id = ${state.tenantId} AND provider = ${state.provider}
                  AND used_at IS NULL AND expires_at > ${limit.now}
                ORDER BY created_at DESC, id DESC
                LIMIT ${limit.keepUnused})`
          return toOAuthState(rows[0]!)
        }).pipe(sql.withTransaction, Effect.orDie, Effect.withSpan("OAuthStateRepositoryPg.create")),
      consume: (provider, nonce, now) =>
        Effect.gen(function* () {
          const used = yield* sql`
            UPDATE oauth_states SET used_at = ${now}
            WHERE provider = ${provider} AND nonce = ${nonce} AND used_at IS NULL AND expires_at > ${now}
            RETURNING *`
          if (used.length === 1) return toOAuthState(used[0]!)
          const found = yield* sql`SELECT used_at FROM oauth_states WHERE provider = ${provider} AND nonce = ${nonce}`
          if (found.length === 0) return yield* new OAuthStateNotFound({})
          if (found[0]!["used_at"] !== null) return yield* new OAuthStateAlreadyUsed({})
          return yield* new OAuthStateExpired({})
        }).pipe(Effect.catchTag("SqlError", Effect.die), Effect.withSpan("OAuthStateRepositoryPg.consume")),
      find: (provider, nonce) =>
        find({ provider, nonce }).pipe(Effect.orDie, Effect.withSpan("OAuthStateRepositoryPg.find")),
      deleteExpired: (before) =>
        sql`DELETE FROM oauth_states WHERE expires_at < ${before} RETURNING id`.pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        )
    })
  })
)
