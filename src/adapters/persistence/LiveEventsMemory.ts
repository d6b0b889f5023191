import { Effect, Layer, PubSub, Stream } from "effect"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"

/**
 * How many events a slow subscriber may fall behind before it loses the oldest: the page only refetches on an
 * event, so a dropped one costs a moment of staleness, never a wrong state (the next event or a refetch mends it).
 */
export const LIVE_BUFFER = 1024

/** One instance's live events: a sliding PubSub, each subscriber filtered to its tenant. */
export const makeLiveHub = Effect.gen(function* () {
  const hub = yield* Effect.acquireRelease(PubSub.sliding<LiveEvent>(LIVE_BUFFER), PubSub.shutdown)
  return {
    offer: (events: ReadonlyArray<LiveEvent>) => PubSub.publishAll(hub, events).pipe(Effect.asVoid),
    subscribe: (tenantId: string) =>
      PubSub.subscribe(hub).pipe(
        Effect.map((subscription) =>
          Stream.fromSubscription(subscription).pipe(Stream.filter((event: LiveEvent) => event.tenantId === tenantId))
        )
      )
  }
})

/** Live events within this process: the single embedded instance, and tests. */
export const LiveEventsMemory = Layer.effect(
  LiveEvents,
  Effect.gen(function* () {
    const hub = yield* makeLiveHub
    return LiveEvents.of({ publish: hub.offer, subscribe: hub.subscribe })
  })
)
