import { Clock, Context, Duration, Effect, Layer, Option } from "effect"
import { MetaTokenInvalid } from "../domain/Errors.ts"
import type { AuditLog } from "./ports/AuditLog.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { MetaGraph } from "./ports/MetaGraph.ts"
import { TokenCipher } from "./ports/TokenCipher.ts"
import { recordTokenFailure } from "./TokenFailures.ts"

/** A token that expires within this window is flagged (the UI shows a banner). */
export const EXPIRY_WARNING = Duration.days(7)

export interface HealthReport {
  readonly checked: number
  readonly valid: number
  readonly invalid: number
  /** Meta could not be asked (unavailable, throttled): nothing was changed for those. */
  readonly unknown: number
  readonly expiringSoon: number
}

/**
 * `CheckTokenHealth`: asks `debug_token` about every live connection's token. An invalid or revoked token turns the
 * connection to `error` with the reason; the expiry Meta reports is stored and flagged within 7 days. Nothing
 * assumes a permanent token.
 */
export class TokenHealth extends Context.Service<TokenHealth, { readonly checkAll: Effect.Effect<HealthReport> }>()(
  "app/application/TokenHealth"
) {
  static readonly layer = Layer.effect(
    TokenHealth,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const context = yield* Effect.context<ConnectionRepository | AuditLog>()

      const checkAll = Effect.gen(function* () {
        const report = { checked: 0, valid: 0, invalid: 0, unknown: 0, expiringSoon: 0 }
        const live = (yield* connections.listHoldingTokens()).filter(
          (c) => c.status === "active" || c.status === "pending"
        )
        for (const connection of live) {
          report.checked++
          const token = yield* cipher
            .decrypt(connection.accessTokenEnc!, { tenantId: connection.tenantId, provider: connection.provider })
            .pipe(Effect.option)
          if (Option.isNone(token)) {
            report.invalid++
            yield* recordTokenFailure(
              connection,
              new MetaTokenInvalid({ detail: "the stored token cannot be decrypted" }),
              "health_check"
            ).pipe(Effect.provide(context))
            continue
          }
          const info = yield* graph.debugToken(token.value).pipe(Effect.result)
          if (info._tag === "Failure") {
            if (info.failure._tag === "MetaTokenInvalid") {
              report.invalid++
              yield* recordTokenFailure(connection, info.failure, "health_check").pipe(Effect.provide(context))
            } else {
              report.unknown++
              yield* Effect.logWarning(
                `Token health: Meta could not check connection ${connection.id}`,
                info.failure.message
              )
            }
            continue
          }
          if (!info.success.isValid) {
            report.invalid++
            yield* recordTokenFailure(
              connection,
              new MetaTokenInvalid({ detail: info.success.error ?? "debug_token says the token is no longer valid" }),
              "health_check"
            ).pipe(Effect.provide(context))
            continue
          }
          report.valid++
          const now = yield* Clock.currentTimeMillis
          const expiresAt = info.success.expiresAt > 0 ? new Date(info.success.expiresAt * 1000) : null
          const soon = expiresAt !== null && expiresAt.getTime() - now <= Duration.toMillis(EXPIRY_WARNING)
          if (soon) report.expiringSoon++
          yield* connections
            .update(connection.tenantId, connection.id, {
              tokenExpiresAt: expiresAt,
              metadata: { token_expiring_soon: soon, token_checked_at: new Date(now).toISOString() }
            })
            .pipe(Effect.ignore)
        }
        return report as HealthReport
      }).pipe(Effect.withSpan("TokenHealth.checkAll"))

      return TokenHealth.of({ checkAll })
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
