import { Clock, Duration, Effect, Option, type Redacted } from "effect"
import { auditPrefix } from "../../domain/AuditEntry.ts"
import { type ChannelConnection, type ConnectionStatus, transition } from "../../domain/ChannelConnection.ts"
import { detailsOf } from "../../domain/ConnectionDetails.ts"
import type { DomainErrorTag, MetaTokenAppMismatch, NoAdAccountGranted } from "../../domain/Errors.ts"
import {
  type MetaPermissionMissing,
  type MetaRateLimited,
  type MetaTokenInvalid,
  MetaUnavailable,
  type NoPhoneNumberGranted,
  type NumberAlreadyConnected,
  OAuthCancelled,
  OAuthStateAlreadyUsed,
  type OAuthStateExpired,
  OAuthStateMismatch,
  OAuthStateNotFound,
  type SessionMismatch,
  type TokenUnreadable
} from "../../domain/Errors.ts"
import type { Provider, TenantId, UserId } from "../../domain/Ids.ts"
import { OAUTH_STATE_TTL } from "../../domain/OAuthState.ts"
import type { Actor } from "../Actor.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import type { AccessToken, MetaGraph, MetaGraphError, TokenInfo } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import { OAuthStateRepository } from "./ports/OAuthStateRepository.ts"

/** What the state check of a callback can end with: the login cannot be trusted or was not completed. */
export type StateError =
  | OAuthCancelled
  | OAuthStateNotFound
  | OAuthStateExpired
  | OAuthStateAlreadyUsed
  | OAuthStateMismatch

/** Everything a callback can end with, short of success. */
export type CallbackError =
  | StateError
  | NumberAlreadyConnected
  | MetaPermissionMissing
  | NoPhoneNumberGranted
  | NoAdAccountGranted
  | MetaTokenInvalid
  | MetaTokenAppMismatch
  | MetaRateLimited
  | MetaUnavailable
  | SessionMismatch

/** The `reason` of the error redirect (DESIGN section 5); `no_ad_account` is Meta Ads' own. */
export type CallbackReason =
  | "cancelled"
  | "state_invalid"
  | "state_expired"
  | "state_used"
  | "number_in_use"
  | "missing_permissions"
  | "no_phone_number"
  | "no_ad_account"
  | "session_mismatch"
  | "meta_error"

/**
 * Every domain error as the callback's `reason`, in one table: a callback error has its reason, any other error
 * null (it never ends a callback). A new domain error does not compile until it has a row here.
 */
export const CALLBACK_REASONS: {
  readonly [K in DomainErrorTag]: K extends CallbackError["_tag"] ? CallbackReason : null
} = {
  OAuthCancelled: "cancelled",
  OAuthStateNotFound: "state_invalid",
  OAuthStateMismatch: "state_invalid",
  OAuthStateExpired: "state_expired",
  OAuthStateAlreadyUsed: "state_used",
  NumberAlreadyConnected: "number_in_use",
  MetaPermissionMissing: "missing_permissions",
  NoPhoneNumberGranted: "no_phone_number",
  NoAdAccountGranted: "no_ad_account",
  SessionMismatch: "session_mismatch",
  MetaTokenInvalid: "meta_error",
  MetaTokenAppMismatch: "meta_error",
  MetaRateLimited: "meta_error",
  MetaUnavailable: "meta_error",
  AdAccountNotGranted: null,
  MetaAppCredentialsInvalid: null,
  ConnectionNotFound: null,
  ConversationNotFound: null,
  NotConnected: null,
  MetaAdsNotConnected: null,
  SendingRestricted: null,
  OutsideCustomerServiceWindow: null,
  ConversationOnOtherNumber: null,
  TemplateNotApproved: null,
  TemplateParametersInvalid: null,
  InvalidMessage: null,
  MessageRejected: null,
  InvalidWebhookSignature: null,
  InvalidWebhookPayload: null,
  Forbidden: null,
  FeatureDisabled: null,
  RateLimited: null,
  TokenDecryptionFailed: null,
  TokenUnreadable: null,
  RegistrationPinMismatch: null,
  NumberNotVerified: null,
  InvalidPin: null,
  NoRegistrationPending: null,
  WebhookEndpointNotFound: null,
  WebhookTargetRefused: null,
  InvalidWebhookEndpoint: null
}

export const callbackReason = (error: CallbackError): CallbackReason => CALLBACK_REASONS[error._tag]

/**
 * The most unused, unexpired states one tenant keeps per provider: starting another removes the oldest. The start
 * limit (20 a minute) lets a member create 200 in a state's ten minutes; these logins are not going to be finished.
 */
export const MAX_UNUSED_OAUTH_STATES = 20

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

/** Meta's redirect back to a provider's callback, as the HTTP adapter read it. */
export interface CallbackInput {
  readonly state: string | null
  readonly code: Redacted.Redacted<string> | null
  /** Meta's `error` / `error_reason` when the person cancelled or declined. */
  readonly error: string | null
  readonly errorReason: string | null
  /** The browser-binding cookie sent with the callback. */
  readonly cookieBinding: string | null
  readonly ip: string | null
  readonly userAgent: string | null
  /**
   * The JS SDK popup flow (`POST …/complete`): the code came from `FB.login` (exchanged without redirect_uri) and the
   * page passes the session-info event it received (null when none arrived). Absent for Meta's redirect.
   */
  readonly popup?: {
    readonly sessionInfo: SessionInfo | null
    /** The signed-in tenant that posted it: a state started by another tenant is refused. */
    readonly tenantId: TenantId
  }
}

/**
 * What the popup's session-info event said (META_SPEC 1.5), as the HTTP adapter decoded it. The ids are hints from
 * the browser: the provider verifies them against what the token can read.
 */
export interface SessionInfo {
  /** `FINISH`, `FINISH_ONLY_WABA` (no number yet), `FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING` (Coexistence). */
  readonly kind: "finish" | "only_waba" | "coexistence"
  readonly wabaId: string | null
  readonly phoneNumberId: string | null
  readonly businessId: string | null
}

/** A callback whose state was valid and spent: who started the login, and the code Meta sent back. */
export interface Authorized {
  readonly tenantId: TenantId
  readonly userId: UserId
  readonly code: Redacted.Redacted<string>
  readonly ip: string | null
  /** Set for the popup flow: exchange the code without redirect_uri; the session info (if any) names the assets. */
  readonly popup: { readonly sessionInfo: SessionInfo | null } | null
}

/** Why a connection is retired: the tenant disconnected, or connected another number in its place. */
export type RetireReason = "disconnect" | "replaced"

/** What a provider's resolve step wrote, and what the audit entry says about it. */
export interface Resolved {
  readonly connection: ChannelConnection
  /** The audit action after the provider's name: `connected` unless the connection awaits a step. */
  readonly outcome: "connected" | "connect_pending"
  readonly details: Readonly<Record<string, unknown>>
}

/**
 * What differs per provider; the state, the callback skeleton, token storage, audit and disconnect are shared.
 * `E` is what the provider's resolve step can fail with.
 */
export interface OAuthProvider<E extends CallbackError> {
  readonly provider: Provider
  /** Names the spans (`WhatsAppConnections.complete`). */
  readonly service: string
  /** The redirect URI of the dialog, byte-identical at the code exchange. */
  readonly redirectUri: string
  /** Dialog parameters besides `client_id`, `redirect_uri`, `state` and `response_type=code`. */
  readonly dialogParameters: ReadonlyArray<readonly [string, string]>
  /** Turns an authorized callback into a stored connection; every Graph call comes before the write. */
  readonly resolve: (authorized: Authorized) => Effect.Effect<Resolved, E>
  /**
   * The calls at Meta that retiring a connection makes, in order, by name; each is best effort. `why` is
   * `disconnect` (the tenant asked) or `replaced` (the tenant connected another number).
   */
  readonly atMetaOnDisconnect: (
    connection: ChannelConnection,
    token: AccessToken,
    why: RetireReason
  ) => Effect.Effect<ReadonlyArray<readonly [string, Effect.Effect<void, MetaGraphError>]>>
  /** Metadata keys that mean something only while connected; disconnecting removes them. */
  readonly transientMetadata: ReadonlyArray<string>
}

/**
 * During a connect, Meta refusing our own app token (see `MetaAppCredentialsInvalid`) is Meta being unusable to
 * us, not the tenant's login failing: the callback answers `meta_error` and the health job raises the alarm.
 */
export const debugTokenForConnect = (graph: MetaGraph["Service"], token: AccessToken) =>
  graph
    .debugToken(token)
    .pipe(
      Effect.catchTag("MetaAppCredentialsInvalid", (error) =>
        Effect.logError("Meta refused the app's credentials during a connect").pipe(
          Effect.andThen(Effect.fail(new MetaUnavailable({ detail: error.message })))
        )
      )
    )

/** The expiry of a token: `debug_token`'s `expires_at` when Meta gives one, else `expires_in` from `at`. */
export const expiryOf = (info: TokenInfo, expiresIn: number | null, at: Date): Date | null =>
  info.expiresAt > 0
    ? new Date(info.expiresAt * 1000)
    : expiresIn !== null && expiresIn > 0
      ? new Date(at.getTime() + expiresIn * 1000)
      : null

/** What every provider's view shows of its connection (never the token). */
export interface ConnectionSummary {
  readonly id: string | null
  readonly status: ConnectionStatus | "not_connected"
  readonly connected: boolean
  readonly tokenExpiresAt: Date | null
  /** What went wrong, in words a person can act on (a refused token says "Reconnect"); null when nothing did. */
  readonly error: string | null
  /** Why a `pending` connection waits (`choose_number`, `choose_ad_account`...). */
  readonly pendingReason: string | null
  readonly updatedAt: Date | null
}

export const NO_CONNECTION: ConnectionSummary = {
  id: null,
  status: "not_connected",
  connected: false,
  tokenExpiresAt: null,
  error: null,
  pendingReason: null,
  updatedAt: null
}

export const summaryOf = (connection: ChannelConnection): ConnectionSummary => {
  const details = detailsOf(connection)
  const error = details.error
  const reason = details.pending_reason
  // A display name Meta rejected: still pending (the number connects once a name is approved), and says so in words.
  const review = details.provider === "meta_whatsapp" ? details.name_review : undefined
  const rejected =
    connection.status === "pending" && reason === "display_name_review" && typeof review?.message === "string"
      ? review.message
      : null
  return {
    id: connection.id,
    status: connection.status,
    connected: connection.status === "active",
    tokenExpiresAt: connection.tokenExpiresAt,
    error: connection.status === "error" && typeof error?.message === "string" ? error.message : rejected,
    pendingReason: connection.status === "pending" && typeof reason === "string" ? reason : null,
    updatedAt: connection.updatedAt
  }
}

/**
 * The OAuth flow of one provider over the ports: start (a state bound to the tenant, the user and the browser),
 * the callback skeleton, the disconnect skeleton, and the helpers the provider's own steps share.
 */
export const makeOAuthFlow = <E extends CallbackError>(spec: OAuthProvider<E>) =>
  Effect.gen(function* () {
    const settings = yield* ConnectSettings
    const states = yield* OAuthStateRepository
    const connections = yield* ConnectionRepository
    const cipher = yield* TokenCipher
    const auditLog = yield* AuditLog
    const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

    const dialogUrl = (state: string) => {
      const url = new URL(`${settings.dialogBaseUrl}/${settings.graphVersion}/dialog/oauth`)
      url.searchParams.set("client_id", settings.appId)
      url.searchParams.set("redirect_uri", spec.redirectUri)
      url.searchParams.set("state", state)
      // Authorization Code grant: the code is exchanged server side, never a token in the URL.
      url.searchParams.set("response_type", "code")
      for (const [name, value] of spec.dialogParameters) url.searchParams.set(name, value)
      return url.toString()
    }

    /** Records `<provider>.<action>` on the tenant's connection; details never hold a token, code or secret. */
    const audit = (
      tenantId: TenantId,
      userId: string | null,
      action: string,
      resourceId: string | null,
      details: Readonly<Record<string, unknown>>,
      ip: string | null = null
    ) =>
      auditLog.record({
        tenantId,
        userId,
        action: `${auditPrefix(spec.provider)}.${action}`,
        resourceType: "channel_connection",
        resourceId,
        details,
        ip
      })

    /** Records what `actor` did to the tenant's connection, with the request's address. */
    const auditBy = (
      actor: Actor,
      action: string,
      resourceId: string | null,
      details: Readonly<Record<string, unknown>>
    ) => audit(actor.tenantId, actor.userId, action, resourceId, details, actor.ip)

    /**
     * `StartConnect`: a cryptographically random nonce stored as the state (tenant, user, ip, user agent; ten
     * minutes; at most {@link MAX_UNUSED_OAUTH_STATES} unused per tenant), and the dialog URL built from it.
     */
    const start = Effect.fn(`${spec.service}.start`)(function* (actor: Actor) {
      const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString("base64url")
      const at = yield* Clock.currentTimeMillis
      yield* states.create(
        {
          tenantId: actor.tenantId,
          userId: actor.userId,
          provider: spec.provider,
          nonce,
          expiresAt: new Date(at + Duration.toMillis(OAUTH_STATE_TTL)),
          metadata: { ip: actor.ip, user_agent: actor.userAgent }
        },
        { keepUnused: MAX_UNUSED_OAUTH_STATES, now: new Date(at) }
      )
      return { authUrl: dialogUrl(nonce), state: nonce, browserBinding: yield* browserBinding(nonce) } as StartedConnect
    })

    /**
     * `CompleteConnect`: a callback opened in another browser is refused before the state is spent (a state already
     * spent says so, whichever browser replays it); the state is consumed atomically; a cancel is `OAuthCancelled`; then the provider resolves the login. Success and
     * failure (with its reason) are audited.
     */
    const complete = Effect.fn(`${spec.service}.complete`)(function* (input: CallbackInput) {
      if (input.state === null || input.state === "") return yield* new OAuthStateNotFound({})
      const expected = yield* browserBinding(input.state)
      if (input.cookieBinding === null || !sameBinding(expected, input.cookieBinding)) {
        // The callback expired the cookie, so a replay in the same browser comes without it: a spent state is
        // reported as spent (it can never be used again, so saying so tells nobody anything).
        const stored = yield* states.find(spec.provider, input.state)
        if (Option.isSome(stored) && stored.value.usedAt !== null) return yield* new OAuthStateAlreadyUsed({})
        return yield* new OAuthStateMismatch({})
      }
      if (input.popup !== undefined) {
        // The popup flow posts with the person's session: a state another workspace started is not spent here.
        const stored = yield* states.find(spec.provider, input.state)
        if (Option.isSome(stored) && stored.value.tenantId !== input.popup.tenantId) {
          return yield* new OAuthStateMismatch({})
        }
      }
      const state = yield* states.consume(spec.provider, input.state, yield* now)
      return yield* Effect.gen(function* () {
        if (input.error !== null || input.code === null) {
          return yield* new OAuthCancelled({ reason: input.errorReason ?? input.error ?? "no_code" })
        }
        const resolved = yield* spec.resolve({
          tenantId: state.tenantId,
          userId: state.userId,
          code: input.code,
          ip: input.ip,
          popup: input.popup === undefined ? null : { sessionInfo: input.popup.sessionInfo }
        })
        yield* audit(state.tenantId, state.userId, resolved.outcome, resolved.connection.id, resolved.details, input.ip)
        yield* Effect.logInfo(`${spec.service}: ${resolved.outcome}, connection ${resolved.connection.status}`).pipe(
          Effect.annotateLogs({
            tenant_id: state.tenantId,
            connection_id: resolved.connection.id,
            provider: spec.provider,
            outcome: resolved.outcome,
            status: resolved.connection.status
          })
        )
        return resolved.connection
      }).pipe(
        Effect.tapError((error: OAuthCancelled | E) =>
          Effect.logInfo(`${spec.service}: connect failed (${callbackReason(error)})`).pipe(
            Effect.annotateLogs({ tenant_id: state.tenantId, provider: spec.provider, error: error._tag }),
            Effect.andThen(
              audit(
                state.tenantId,
                state.userId,
                "connect_failed",
                null,
                { reason: callbackReason(error), error: error._tag },
                input.ip
              )
            )
          )
        )
      )
    })

    /** The stored token of a connection, decrypted at the moment of use (see `storedToken`). */
    const tokenOf = (connection: ChannelConnection): Effect.Effect<AccessToken, MetaTokenInvalid | TokenUnreadable> =>
      storedToken(cipher, connection, spec.service)

    /**
     * Retires one connection: the provider's calls at Meta where possible (a failure there never blocks the local
     * change), then `revoked` with the token erased and the history (row, number, conversations) kept. Returns the
     * updated row and the names of the calls Meta accepted.
     */
    const retire = Effect.fnUntraced(function* (
      connection: ChannelConnection,
      by: { readonly userId: string | null },
      why: RetireReason
    ) {
      const atMeta: Array<string> = []
      const token = yield* tokenOf(connection).pipe(Effect.option)
      if (Option.isSome(token)) {
        for (const [name, call] of yield* spec.atMetaOnDisconnect(connection, token.value, why)) {
          yield* call.pipe(
            Effect.tap(() => Effect.sync(() => atMeta.push(name))),
            Effect.catch((error: MetaGraphError) =>
              Effect.logWarning(`Disconnect: ${name} at Meta failed; disconnecting locally anyway`, error.message)
            )
          )
        }
      }
      const at = yield* now
      const updated = yield* connections
        .update(connection.tenantId, connection.id, {
          ...transition(connection.status, { _tag: "Revoke", reason: why }),
          metadata: {
            ...Object.fromEntries(spec.transientMetadata.map((key) => [key, null])),
            disconnected_at: at.toISOString(),
            disconnected_by: by.userId,
            ...(why === "replaced" ? { disconnected_because: "replaced" } : {})
          }
        })
        .pipe(Effect.orDie)
      yield* Effect.logInfo(`Connection ${connection.id}: ${connection.status} -> revoked (${why})`).pipe(
        Effect.annotateLogs({
          tenant_id: connection.tenantId,
          connection_id: connection.id,
          provider: connection.provider,
          from: connection.status,
          to: "revoked",
          reason: why,
          at_meta: atMeta.join(",")
        })
      )
      return { updated, atMeta }
    })

    /**
     * `Disconnect`: retires every connection of the tenant for this provider that is not `revoked` yet (a tenant's
     * history may hold several), each audited. The current row afterwards, or none when there never was one.
     */
    const disconnect = Effect.fn(`${spec.service}.disconnect`)(function* (actor: Actor) {
      const live = (yield* connections.listByTenant(actor.tenantId, spec.provider)).filter(
        (connection) => connection.status !== "revoked"
      )
      for (const connection of live) {
        const { atMeta } = yield* retire(connection, actor, "disconnect")
        yield* auditBy(actor, "disconnected", connection.id, { at_meta: atMeta })
      }
      return yield* connections.findCurrent(actor.tenantId, spec.provider)
    })

    return { start, complete, disconnect, retire, audit, auditBy, tokenOf }
  })
