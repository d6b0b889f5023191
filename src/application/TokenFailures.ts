import { Effect } from "effect"
import { type ChannelConnection, nextStatus } from "../domain/ChannelConnection.ts"
import type { MetaTokenInvalid } from "../domain/Errors.ts"
import { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"

/**
 * Meta no longer accepts a connection's token (code 190, `is_valid: false`): the connection turns to `error` with
 * the reason at once, and the tenant's admins see it in the audit log. A revoked connection stays revoked.
 */
export const recordTokenFailure = Effect.fnUntraced(function* (
  connection: ChannelConnection,
  error: MetaTokenInvalid,
  source: string
) {
  const connections = yield* ConnectionRepository
  const audit = yield* AuditLog
  const status = nextStatus(connection.status, { _tag: "TokenFailed" })
  if (status === connection.status && connection.status !== "error") return
  yield* connections
    .update(connection.tenantId, connection.id, {
      status,
      metadata: {
        error: { reason: "token_invalid", code: error.code ?? null, message: error.message, at: source }
      }
    })
    .pipe(Effect.ignore)
  yield* audit.record({
    tenantId: connection.tenantId,
    userId: null,
    action: `${connection.provider === "meta_ads" ? "meta_ads" : "whatsapp"}.token_invalid`,
    resourceType: "channel_connection",
    resourceId: connection.id,
    details: { source, code: error.code ?? null },
    ip: null
  })
  yield* Effect.logWarning(`Connection ${connection.id} marked error: Meta rejected its token (${source})`)
})
