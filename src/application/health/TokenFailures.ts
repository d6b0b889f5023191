import { Effect } from "effect"
import { auditPrefix } from "../../domain/AuditEntry.ts"
import { type ChannelConnection, transition } from "../../domain/ChannelConnection.ts"
import { errorOf, previousStatusOf } from "../../domain/ConnectionDetails.ts"
import type { MetaTokenInvalid } from "../../domain/Errors.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"

export { previousStatusOf }

/**
 * Meta no longer accepts a connection's token (`MetaTokenInvalid`, or `is_valid: false`): the connection turns to `error` with
 * the reason at once, and the tenant's admins see it in the audit log. A revoked connection stays revoked.
 */
export const recordTokenFailure = Effect.fnUntraced(function* (
  connection: ChannelConnection,
  error: MetaTokenInvalid,
  source: string
) {
  const connections = yield* ConnectionRepository
  const audit = yield* AuditLog
  const to = transition(connection.status, { _tag: "Fail", reason: "token_invalid" })
  const status = to.status
  const known = errorOf(connection)
  // Recorded once: a connection already in error for its token is not re-audited on every check.
  if (status === connection.status && (status !== "error" || known?.reason === "token_invalid")) return
  yield* connections
    .update(connection.tenantId, connection.id, {
      ...to,
      metadata: {
        error: {
          reason: "token_invalid",
          code: error.code ?? null,
          message: error.message,
          at: source,
          // Where the health job returns the connection when Meta accepts the token again.
          previous_status: connection.status === "error" ? previousStatusOf(connection) : connection.status
        }
      }
    })
    .pipe(Effect.ignore)
  yield* audit.record({
    tenantId: connection.tenantId,
    userId: null,
    action: `${auditPrefix(connection.provider)}.token_invalid`,
    resourceType: "channel_connection",
    resourceId: connection.id,
    details: { source, code: error.code ?? null },
    ip: null
  })
  yield* Effect.logWarning(`Connection ${connection.id} marked error: Meta rejected its token (${source})`).pipe(
    Effect.annotateLogs({
      tenant_id: connection.tenantId,
      connection_id: connection.id,
      provider: connection.provider,
      from: connection.status,
      to: "error",
      source
    })
  )
})
