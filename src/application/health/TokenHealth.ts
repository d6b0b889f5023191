import { Clock, Context, Duration, Effect, Layer, Option, Ref } from "effect"
import { auditPrefix } from "../../domain/AuditEntry.ts"
import { type ChannelConnection, transition } from "../../domain/ChannelConnection.ts"
import { detailsOf, errorOf } from "../../domain/ConnectionDetails.ts"
import { MetaTokenInvalid } from "../../domain/Errors.ts"
import { isDueForRenewal, isExpiringSoon } from "../../domain/TokenExpiry.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { JobLeases } from "../ports/JobLeases.ts"
import { type AccessToken, MetaGraph } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import { previousStatusOf, recordTokenFailure } from "./TokenFailures.ts"

/** A token that expires within this window is flagged (the UI shows a banner). */

export interface HealthReport {
  readonly checked: number
  readonly valid: number
  readonly invalid: number
  /** Meta could not be asked (unavailable, throttled): nothing was changed for those. */
  readonly unknown: number
  readonly expiringSoon: number
  /** Stored tokens that do not decrypt with the configured keys (our configuration fault): nothing was changed. */
  readonly undecryptable: number
  /** Connections in `error` that Meta accepts again, returned to their status. */
  readonly recovered: number
  /** 60-day business tokens renewed before they expired (new token stored encrypted, new expiry). */
  readonly renewed: number
  /** Renewals Meta refused or could not answer: retried next run; the tenant is warned within 7 days of expiry. */
  readonly renewalFailed: number
  /** Meta refused our app token on debug_token (wrong or rotated app secret): no connection was changed. */
  readonly appCredentialsInvalid: boolean
}

/** What the last health run learnt of our app credentials; `unknown` before the first run that checked a token. */
export type AppCredentialsState = "valid" | "invalid" | "unknown"

/**
 * `CheckTokenHealth`: asks `debug_token` about every live connection's token (`error` ones too). An invalid or revoked
 * token turns the connection to `error` with the reason, and a token Meta accepts again brings it back; the expiry
 * Meta reports is stored and flagged within 7 days. Our own faults (a token that does not decrypt, an app secret Meta
 * refuses) change no connection: they are logged and reported. Nothing assumes a permanent token.
 */
export class TokenHealth extends Context.Service<
  TokenHealth,
  {
    readonly checkAll: Effect.Effect<HealthReport>
    /** For readiness: whether Meta accepted our app token on the last run. */
    readonly appCredentials: Effect.Effect<AppCredentialsState>
  }
>()("app/application/TokenHealth") {
  static readonly layer = Layer.effect(
    TokenHealth,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const audit = yield* AuditLog
      const leases = yield* JobLeases
      const context = yield* Effect.context<ConnectionRepository | AuditLog>()
      const appCredentials = yield* Ref.make<AppCredentialsState>("unknown")

      /**
       * Exchanges the connection's business token for a new 60-day one and stores it encrypted (only if the stored
       * token is still the one renewed: a reconnect meanwhile wins). The new expiry, or null when it was not stored.
       */
      const renew = Effect.fnUntraced(function* (connection: ChannelConnection, token: AccessToken) {
        const exchanged = yield* graph.exchangeLongLived(token, { businessToken60Days: true })
        const binding = { tenantId: connection.tenantId, provider: connection.provider }
        const next = yield* cipher.encrypt(exchanged.accessToken, binding)
        const stored = yield* connections.replaceToken(connection.id, connection.accessTokenEnc!, next)
        if (!stored) return null
        const now = yield* Clock.currentTimeMillis
        const expiresAt = exchanged.expiresIn === null ? null : new Date(now + exchanged.expiresIn * 1000)
        yield* audit.record({
          tenantId: connection.tenantId,
          userId: null,
          action: `${auditPrefix(connection.provider)}.token_renewed`,
          resourceType: "channel_connection",
          resourceId: connection.id,
          details: { source: "health_check", expires_at: expiresAt?.toISOString() ?? null },
          ip: null
        })
        yield* Effect.logInfo(`Connection ${connection.id}: business token renewed before it expired`)
        return expiresAt
      })

      const checkAll = Effect.gen(function* () {
        const report = {
          checked: 0,
          valid: 0,
          invalid: 0,
          unknown: 0,
          expiringSoon: 0,
          undecryptable: 0,
          recovered: 0,
          renewed: 0,
          renewalFailed: 0,
          appCredentialsInvalid: false
        }
        let answered = false
        // `error` rows too: a cause that went away (a token Meta accepts again) brings them back.
        const live = (yield* connections.listHoldingTokens()).filter(
          (c) => c.status === "active" || c.status === "pending" || c.status === "error"
        )
        const checkOne = (connection: ChannelConnection) =>
          Effect.gen(function* () {
            report.checked++
            // A token that does not decrypt is our configuration fault, not the tenant's: the connection is left as it is.
            const token = yield* storedToken(cipher, connection, "Token health").pipe(Effect.option)
            if (Option.isNone(token)) {
              report.undecryptable++
              return
            }
            const info = yield* graph.debugToken(token.value).pipe(Effect.result)
            if (info._tag === "Success") answered = true
            if (info._tag === "Failure") {
              report.unknown++
              if (info.failure._tag === "MetaAppCredentialsInvalid") {
                // Our app secret is wrong or rotated: no tenant's token can be judged, and none is changed.
                report.appCredentialsInvalid = true
                yield* Effect.logError(`Token health: ${info.failure.message} No connection was changed.`)
              } else {
                yield* Effect.logWarning(
                  `Token health: Meta could not check connection ${connection.id}`,
                  info.failure.message
                )
              }
              return
            }
            // Only `data.is_valid` / `data.error` speak about the tenant's token.
            if (!info.success.isValid) {
              report.invalid++
              yield* recordTokenFailure(
                connection,
                new MetaTokenInvalid({ detail: info.success.error ?? "debug_token says the token is no longer valid" }),
                "health_check"
              ).pipe(Effect.provide(context))
              return
            }
            report.valid++
            const now = yield* Clock.currentTimeMillis
            let expiresAt = info.success.expiresAt > 0 ? new Date(info.success.expiresAt * 1000) : null
            // `expires_at: 0` is a token that never expires (validity and scopes are still checked above). A 60-day
            // business token is renewed before it expires (`fb_exchange_token` + `set_token_expires_in_60_days`,
            // META_SPEC Corrections); once expired it cannot be, and the tenant reconnects.
            const tokenType = info.success.tokenType ?? detailsOf(connection).token_type
            let renewal: Readonly<Record<string, unknown>> | null = null
            if (tokenType === "SYSTEM_USER" && isDueForRenewal(expiresAt?.getTime() ?? null, now)) {
              const renewed = yield* renew(connection, token.value).pipe(Effect.result)
              if (renewed._tag === "Success" && renewed.success !== null) {
                report.renewed++
                expiresAt = renewed.success
                renewal = { token_renewed_at: new Date(now).toISOString(), token_renewal_failed: null }
              } else {
                report.renewalFailed++
                const why =
                  renewed._tag === "Failure" ? renewed.failure.message : "the connection's token changed meanwhile"
                renewal = { token_renewal_failed: { at: new Date(now).toISOString(), message: why } }
                yield* Effect.logWarning(`Token health: renewing the token of connection ${connection.id} failed`, why)
              }
            }
            const soon = isExpiringSoon(expiresAt?.getTime() ?? null, now)
            if (soon) report.expiringSoon++
            const recovers = connection.status === "error" && errorOf(connection)?.reason === "token_invalid"
            if (recovers) report.recovered++
            yield* connections
              .update(connection.tenantId, connection.id, {
                ...(recovers
                  ? transition(connection.status, { _tag: "TokenAccepted", previous: previousStatusOf(connection) })
                  : {}),
                tokenExpiresAt: expiresAt,
                metadata: {
                  token_expiring_soon: soon,
                  token_checked_at: new Date(now).toISOString(),
                  ...renewal,
                  ...(recovers ? { error: null } : {})
                }
              })
              .pipe(Effect.ignore)
            if (recovers) {
              yield* audit.record({
                tenantId: connection.tenantId,
                userId: null,
                action: `${auditPrefix(connection.provider)}.token_recovered`,
                resourceType: "channel_connection",
                resourceId: connection.id,
                details: { source: "health_check" },
                ip: null
              })
              yield* Effect.logInfo(`Connection ${connection.id} recovered: Meta accepts its token again`)
            }
          })
        for (const connection of live) {
          if (report.appCredentialsInvalid) {
            report.checked++
            report.unknown++
            continue
          }
          // Several instances run this job: one connection is checked by one of them at a time (a second skips it).
          yield* leases.run(
            { job: "token_health", key: connection.id, hold: "5 minutes", rest: 0 },
            checkOne(connection)
          )
        }
        // Known only from Meta's answers: a run that got none (nothing to check, Meta down) keeps what was known.
        const credentials = yield* Ref.updateAndGet(appCredentials, (known) =>
          report.appCredentialsInvalid ? "invalid" : answered ? "valid" : known
        )
        report.appCredentialsInvalid = credentials === "invalid"
        return report as HealthReport
      }).pipe(Effect.withSpan("TokenHealth.checkAll"))

      return TokenHealth.of({ checkAll, appCredentials: Ref.get(appCredentials) })
    })
  )

  /** Runs the check shortly after start, then every `interval`; `onReport` records metrics. */
  static readonly worker = (interval: Duration.Input, onReport: (report: HealthReport) => Effect.Effect<void>) =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const health = yield* TokenHealth
        const check = health.checkAll.pipe(
          Effect.flatMap(onReport),
          Effect.catchCause((cause) => Effect.logError("Token health check failed", cause))
        )
        const first = Duration.min(Duration.fromInputUnsafe(interval), Duration.seconds(5))
        yield* Effect.forkScoped(
          Effect.sleep(first).pipe(Effect.andThen(Effect.forever(check.pipe(Effect.andThen(Effect.sleep(interval))))))
        )
      })
    )
}
