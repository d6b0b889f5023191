import { Clock, Duration, Effect, Layer, Option } from "effect"
import { JobLeases } from "../ports/JobLeases.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"

/** Conversations announced per statement; a run repeats until fewer come back. */
export const WINDOW_CLOSING_BATCH = 500

/**
 * `conversation.window_closing` (issue 19): the tenant's backend hears, `lead` before it happens, that a contact's
 * 24-hour customer service window closes (after it only templates go). The repository marks each window as it
 * writes its event, so a run that repeats or overlaps announces nothing twice.
 */
/** Announces every window closing within `lead` of now; answers how many. */
const runOnce = (lead: Duration.Input) =>
  Effect.gen(function* () {
    const conversations = yield* ConversationRepository
    const leadMillis = Duration.toMillis(Duration.fromInputUnsafe(lead))
    let total = 0
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const announced = yield* conversations.announceClosingWindows(
        new Date(now),
        new Date(now + leadMillis),
        WINDOW_CLOSING_BATCH
      )
      total += announced.length
      if (announced.length < WINDOW_CLOSING_BATCH) return total
    }
  }).pipe(Effect.withSpan("WindowClosingNotices.runOnce"))

/**
 * Runs every `every` under the `window_closing` lease (one instance at a time; another skips while it runs),
 * forked in the layer's scope; a failing round is logged and the next one runs. The lease does not rest after a
 * round: a round that finds nothing costs one indexed statement, and the marks (not the lease) are what keep a
 * window from being announced twice.
 */
const worker = (lead: Duration.Input, every: Duration.Input = "1 minute") =>
  Layer.effectDiscard(
    Effect.gen(function* () {
      const leases = yield* JobLeases
      const conversations = yield* ConversationRepository
      const round = leases
        .run(
          { job: "window_closing", key: "all", hold: "5 minutes", rest: 0 },
          runOnce(lead).pipe(Effect.provideService(ConversationRepository, conversations))
        )
        .pipe(
          Effect.tap((ran) =>
            Option.isSome(ran) && ran.value > 0
              ? Effect.logInfo(`Window closing: ${ran.value} conversations announced`)
              : Effect.void
          ),
          Effect.catchCause((cause) => Effect.logError("Window closing notices failed; retrying later", cause))
        )
      yield* Effect.forkScoped(Effect.forever(Effect.andThen(round, Effect.sleep(every))))
    })
  )

export const WindowClosingNotices = { runOnce, worker }
