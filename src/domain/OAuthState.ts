import { Duration, Result, Schema } from "effect"
import { OAuthStateAlreadyUsed, OAuthStateExpired } from "./Errors.ts"
import { OAuthStateId, Provider, TenantId, UserId } from "./Ids.ts"

/** How long a person has between "Connect" and Meta's redirect back. */
export const OAUTH_STATE_TTL = Duration.minutes(10)

/** A pending login with Meta, bound to the tenant and user that started it. */
export class OAuthState extends Schema.Class<OAuthState>("OAuthState")({
  id: OAuthStateId,
  tenantId: TenantId,
  userId: UserId,
  provider: Provider,
  nonce: Schema.NonEmptyString,
  createdAt: Schema.Date,
  usedAt: Schema.NullOr(Schema.Date),
  expiresAt: Schema.Date,
  metadata: Schema.Record(Schema.String, Schema.Unknown)
}) {}

/**
 * Consumes a state: the pure rule the repositories enforce atomically. A used state stays used even after it
 * expires, so a replayed callback is reported as a replay.
 */
export const consume = (
  state: OAuthState,
  now: Date
): Result.Result<OAuthState, OAuthStateAlreadyUsed | OAuthStateExpired> => {
  if (state.usedAt !== null) return Result.fail(new OAuthStateAlreadyUsed({}))
  if (state.expiresAt.getTime() <= now.getTime()) return Result.fail(new OAuthStateExpired({}))
  return Result.succeed(new OAuthState({ ...state, usedAt: now }))
}
