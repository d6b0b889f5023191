import { Clock, Duration, Effect } from "effect"
import type {
  MetaPermissionMissing,
  MetaRateLimited,
  MetaTokenInvalid,
  MetaUnavailable,
  NoPhoneNumberGranted,
  NumberAlreadyConnected,
  OAuthCancelled,
  OAuthStateAlreadyUsed,
  OAuthStateExpired,
  OAuthStateMismatch,
  OAuthStateNotFound
} from "../domain/Errors.ts"
import type { Provider } from "../domain/Ids.ts"
import { OAUTH_STATE_TTL } from "../domain/OAuthState.ts"
import type { Actor } from "./Actor.ts"
import { OAuthStateRepository } from "./ports/OAuthStateRepository.ts"

/** Everything a callback can end with, short of success. */
export type CallbackError =
  | OAuthCancelled
  | OAuthStateNotFound
  | OAuthStateExpired
  | OAuthStateAlreadyUsed
  | OAuthStateMismatch
  | NumberAlreadyConnected
  | MetaPermissionMissing
  | NoPhoneNumberGranted
  | MetaTokenInvalid
  | MetaRateLimited
  | MetaUnavailable

/** The `reason` of the error redirect (DESIGN section 5). */
export type CallbackReason =
  | "cancelled"
  | "state_invalid"
  | "state_expired"
  | "state_used"
  | "number_in_use"
  | "missing_permissions"
  | "no_phone_number"
  | "meta_error"

export const callbackReason = (error: CallbackError): CallbackReason => {
  switch (error._tag) {
    case "OAuthCancelled":
      return "cancelled"
    case "OAuthStateNotFound":
    case "OAuthStateMismatch":
      return "state_invalid"
    case "OAuthStateExpired":
      return "state_expired"
    case "OAuthStateAlreadyUsed":
      return "state_used"
    case "NumberAlreadyConnected":
      return "number_in_use"
    case "MetaPermissionMissing":
      return "missing_permissions"
    case "NoPhoneNumberGranted":
      return "no_phone_number"
    default:
      return "meta_error"
  }
}

const hex = (bytes: ArrayBuffer) => Buffer.from(bytes).toString("hex")

/**
 * The value of the browser-binding cookie for a state: SHA-256 of the nonce. The cookie (HttpOnly, SameSite=Lax)
 * is set by the browser that started the connection; a leaked callback URL opened elsewhere lacks it.
 */
export const browserBinding = (nonce: string): Effect.Effect<string> =>
  Effect.promise(() => crypto.subtle.digest("SHA-256", new TextEncoder().encode(nonce))).pipe(Effect.map(hex))

/** Constant-time comparison of two hex strings of equal length. */
export const sameBinding = (a: string, b: string): boolean => {
  if (a.length !== b.length) return false
  let difference = 0
  for (let index = 0; index < a.length; index++) difference |= a.charCodeAt(index) ^ b.charCodeAt(index)
  return difference === 0
}

export interface StartedConnect {
  readonly authUrl: string
  readonly state: string
  /** For the HttpOnly cookie that binds the state to this browser. */
  readonly browserBinding: string
}

/**
 * Starts an OAuth login for a provider: a cryptographically random nonce stored as the state (tenant, user, ip,
 * user agent; ten minutes), and the dialog URL built from it.
 */
export const beginOAuth = Effect.fn("OAuthFlow.begin")(function* (
  actor: Actor,
  provider: Provider,
  dialogUrl: (state: string) => string
) {
  const states = yield* OAuthStateRepository
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")
  const now = yield* Clock.currentTimeMillis
  yield* states.create({
    tenantId: actor.tenantId,
    userId: actor.userId,
    provider,
    nonce,
    expiresAt: new Date(now + Duration.toMillis(OAUTH_STATE_TTL)),
    metadata: { ip: actor.ip, user_agent: actor.userAgent }
  })
  return { authUrl: dialogUrl(nonce), state: nonce, browserBinding: yield* browserBinding(nonce) } as StartedConnect
})
