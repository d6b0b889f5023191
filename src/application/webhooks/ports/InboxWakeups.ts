import { Context, type Duration, type Effect } from "effect"

/**
 * Wakes the webhook worker when deliveries are stored, instead of it polling: the intake's group commit wakes it
 * (PostgreSQL: a NOTIFY sent with the batch's insert, heard by every instance's LISTEN; embedded PGlite and memory:
 * in process). The worker still polls slowly as a safety net (a lost notification, a retry falling due).
 */
export class InboxWakeups extends Context.Service<
  InboxWakeups,
  {
    /** Something was stored: the next (or current) `await` returns at once. */
    readonly wake: Effect.Effect<void>
    /** Returns at the first wake since the last `await` returned, or after `timeout`. */
    await(timeout: Duration.Input): Effect.Effect<void>
  }
>()("app/application/ports/InboxWakeups") {}
