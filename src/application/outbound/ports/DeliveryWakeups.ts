import { Context, type Duration, type Effect } from "effect"

/**
 * Wakes the outbound webhook delivery worker when deliveries are stored, instead of it polling (PostgreSQL: a NOTIFY
 * sent by the insert's trigger at commit, heard by every instance's LISTEN). The worker still polls as a safety net
 * (a lost notification, a retry falling due); without this port it only polls (embedded PGlite, tests).
 */
export class DeliveryWakeups extends Context.Service<
  DeliveryWakeups,
  {
    /** Deliveries were stored: the next (or current) `await` returns at once. */
    readonly wake: Effect.Effect<void>
    /** Returns at the first wake since the last `await` returned, or after `timeout`. */
    await(timeout: Duration.Input): Effect.Effect<void>
  }
>()("app/application/outbound/ports/DeliveryWakeups") {}
