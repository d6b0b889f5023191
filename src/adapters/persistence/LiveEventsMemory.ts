import { Deferred, Effect, Fiber, Layer, PubSub, Schedule, type Scope, Stream } from "effect"
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

export type LiveHub = Effect.Success<typeof makeLiveHub>

/** What {@link makeReceivingHub} reports of its receiving, for the tests and the logs. */
export interface Receiving {
  /** Subscribers on this instance now (each open page's subscription). */
  readonly subscribers: () => number
  /** Whether the instance is receiving the other instances' events now (a LISTEN or SUBSCRIBE is open). */
  readonly receiving: () => boolean
}

/** The receiving in progress: its fiber, and the deferred its current attempt completes once confirmed. */
interface Attempts {
  fiber: Fiber.Fiber<never> | undefined
  ready: Deferred.Deferred<void>
}

/**
 * A hub fed from outside the process (PostgreSQL LISTEN, Redis SUBSCRIBE) only while someone here listens (issue
 * 19.6 / 18, w8D): `receive(hub, ready)` opens the receiving, runs `ready` once the server confirmed it, then feeds
 * the hub until interrupted (it fails when its connection is lost: opened again while subscribers remain). The first
 * subscriber starts it, the last one to leave stops it; with nobody subscribed no event reaches this process.
 *
 * A `subscribe` returns once the receiving is confirmed (the attempt in flight when it arrives, the first one's or
 * a reconnection's; when that attempt fails it returns anyway and the attempt is retried): every event committed after
 * it returns reaches the stream, as with a receiving always open. While a lost connection is opened again, events in
 * between are not replayed (as before: the page refetches when its stream reconnects).
 */
export const makeReceivingHub = <E>(
  receive: (hub: LiveHub, ready: Effect.Effect<void>) => Effect.Effect<never, E, Scope.Scope>,
  what: string
) =>
  Effect.gen(function* () {
    const hub = yield* makeLiveHub
    const layerScope = yield* Effect.scope
    let subscribers = 0
    let current: Attempts | undefined
    const attempts = (state: Attempts) =>
      Effect.suspend(() => {
        // The first attempt completes the deferred the first subscriber waits on; a reconnection, a new one.
        if (Deferred.isDoneUnsafe(state.ready)) state.ready = Deferred.makeUnsafe<void>()
        const ready = state.ready
        return Effect.scoped(receive(hub, Deferred.succeed(ready, undefined).pipe(Effect.asVoid))).pipe(
          Effect.ensuring(Deferred.succeed(ready, undefined))
        )
      }).pipe(
        Effect.tapError((error) => Effect.logWarning(`Live events: the ${what} connection failed`, error)),
        Effect.retry(Schedule.min([Schedule.exponential("200 millis"), Schedule.spaced("10 seconds")])),
        Effect.orDie
      )
    const join = Effect.gen(function* () {
      subscribers++
      if (current === undefined) {
        const state: Attempts = { fiber: undefined, ready: Deferred.makeUnsafe<void>() }
        current = state
        state.fiber = yield* Effect.forkIn(attempts(state), layerScope)
      }
      return current
    })
    const leave = Effect.suspend(() => {
      subscribers--
      if (subscribers > 0 || current === undefined) return Effect.void
      const fiber = current.fiber
      current = undefined
      return fiber === undefined ? Effect.void : Fiber.interrupt(fiber)
    })
    const subscribe = (tenantId: string) =>
      Effect.gen(function* () {
        const stream = yield* hub.subscribe(tenantId)
        const state = yield* Effect.acquireRelease(join, () => leave)
        yield* Deferred.await(state.ready)
        return stream
      })
    const receiving: Receiving = { subscribers: () => subscribers, receiving: () => current !== undefined }
    return { offer: hub.offer, subscribe, receiving }
  })

/** Live events within this process: the single embedded instance, and tests. */
export const LiveEventsMemory = Layer.effect(
  LiveEvents,
  Effect.gen(function* () {
    const hub = yield* makeLiveHub
    return LiveEvents.of({ publish: hub.offer, subscribe: hub.subscribe })
  })
)
