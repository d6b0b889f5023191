import { Context, Duration, Effect, Layer } from "effect"
import { RateLimiter } from "effect/persistence"
import { RateLimited } from "../domain/Errors.ts"
import type { TenantId } from "../domain/Ids.ts"
import type { Actor } from "./Actor.ts"

/**
 * Every limited operation, defined once: how often one tenant may run it per window, whichever edge (REST or
 * GraphQL) asks. The name is the limiter's key prefix (`whatsapp.start:<tenant>`), shared by every instance
 * through Redis when `REDIS_URL` is set.
 */
export const OPERATION_LIMITS = {
  "whatsapp.start": { limit: 20, window: "1 minute" },
  "whatsapp.disconnect": { limit: 10, window: "1 minute" },
  // Each try is a register call at Meta, which throttles register attempts itself: a PIN is not guessed here.
  "whatsapp.register": { limit: 5, window: "1 minute" },
  // Each check asks Meta four times (debug_token, subscribed_apps, the number, the app's subscriptions).
  "whatsapp.check": { limit: 6, window: "1 minute" },
  "whatsapp.test_message": { limit: 5, window: "10 minutes" },
  // Each sync reads every page of the WABA's templates at Meta.
  "whatsapp.templates_sync": { limit: 6, window: "1 minute" },
  "meta_ads.start": { limit: 20, window: "1 minute" },
  "meta_ads.disconnect": { limit: 10, window: "1 minute" },
  "meta_ads.test_connection": { limit: 5, window: "1 minute" },
  "meta_ads.token_debug": { limit: 5, window: "1 minute" },
  // Each check asks Meta three times (debug_token, the ad account, the Business Manager's accounts).
  "meta_ads.check": { limit: 6, window: "1 minute" },
  // Serving stored media (an inbox page shows many images): generous, against scraping a tenant's media in bulk.
  "media.get": { limit: 600, window: "1 minute" }
} as const satisfies Record<string, { readonly limit: number; readonly window: Duration.Input }>

export type LimitedOperation = keyof typeof OPERATION_LIMITS

/** The per-tenant limits of {@link OPERATION_LIMITS}, over the limiter's store (memory or Redis). */
export class OperationLimits extends Context.Service<
  OperationLimits,
  {
    /** Counts one run of `operation` for the tenant; `RateLimited` (with when to retry) beyond its limit. */
    consume(operation: LimitedOperation, tenantId: TenantId): Effect.Effect<void, RateLimited>
  }
>()("app/application/OperationLimits") {
  static readonly layer = Layer.effect(
    OperationLimits,
    Effect.gen(function* () {
      const limiter = yield* RateLimiter.RateLimiter
      const consume = Effect.fn("OperationLimits.consume")(function* (operation: LimitedOperation, tenantId: TenantId) {
        const { limit, window } = OPERATION_LIMITS[operation]
        const result = yield* limiter
          .consume({ key: `${operation}:${tenantId}`, limit, window, algorithm: "fixed-window", onExceeded: "fail" })
          .pipe(Effect.result)
        if (result._tag === "Success") return
        const reason = result.failure.reason
        if (reason._tag === "RateLimitExceeded") {
          const retryAfterSeconds = Math.max(1, Math.ceil(Duration.toSeconds(reason.retryAfter)))
          return yield* new RateLimited({ operation, retryAfterSeconds })
        }
        // The limiter's store is down: serve rather than refuse everyone.
        yield* Effect.logWarning("Rate limiter unavailable; request allowed", reason.message)
      })
      return OperationLimits.of({ consume })
    })
  )

  /** In memory, for tests and a single instance. */
  static readonly layerMemory = OperationLimits.layer.pipe(
    Layer.provide(RateLimiter.layer),
    Layer.provide(RateLimiter.layerStoreMemory)
  )
}

/** `effect` as one run of `operation` by the actor's tenant: refused with `RateLimited`, unrun, over the limit. */
export const limited =
  (operation: LimitedOperation, actor: Actor) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | RateLimited, R | OperationLimits> =>
    OperationLimits.use((limits) => limits.consume(operation, actor.tenantId)).pipe(Effect.andThen(effect))
