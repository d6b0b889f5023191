import { Effect } from "effect"
import { type ChannelConnection, transition } from "../domain/ChannelConnection.ts"
import type { MetaTokenInvalid } from "../domain/Errors.ts"
import { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"

/** The status a connection in `error` had before its token failed (`active` when unknown). */
export const previousStatusOf = (connection: ChannelConnection): "active" | "pending" => {
  const error = connection.metadata["error"] as { readonly previous_status?: unknown } | null | undefined
  return error?.previous_status === "pending" ? "pending" : "active"
}

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
  const known = connection.metadata["error"] as { readonly reason?: unknown } | null | undefined
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
    action: `${connection.provider === "meta_ads" ? "meta_ads" : "whatsapp"}.token_invalid`,
    resourceType: "channel_connection",
    resourceId: connection.id,
    details: { source, code: error.code ?? null },
    ip: null
  })
  yield* Effect.logWarning(`Connection ${connection.id} marked error: Meta rejected its token (${source})`)
})
