import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Effect, Layer, Option, Schema } from "effect"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { makeLiveHub } from "./LiveEventsMemory.ts"
import { LiveEventJson } from "./LiveEventsPg.ts"

/** The Redis channel every instance publishes to and subscribes on. */
export const LIVE_REDIS_CHANNEL = "meta-connections:live-events"

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Array(LiveEventJson)))

/**
 * Live events of every instance sharing one Redis (`REDIS_URL`): `publish` (called by the repositories once their
 * transaction committed) sends the batch with `PUBLISH`; each instance holds one subscribed connection (a duplicate
 * of the shared client, as Redis requires for a subscriber) feeding its subscribers. While Redis is unreachable a
 * publish is logged and dropped (pages refetch when their stream reconnects), and node-redis reconnects and
 * resubscribes on its own.
 */
export const LiveEventsRedis = Layer.effect(
  LiveEvents,
  Effect.gen(function* () {
    const redis = yield* NodeRedis.NodeRedis
    const hub = yield* makeLiveHub
    const offer = Effect.runForkWith(yield* Effect.context<never>())
    const subscriber = yield* Effect.acquireRelease(
      Effect.promise(async () => {
        const client = redis.client.duplicate()
        client.on("error", () => undefined)
        await client.connect()
        return client
      }),
      (client) => Effect.promise(() => client.close().catch(() => undefined))
    )
    yield* Effect.promise(() =>
      subscriber.subscribe(LIVE_REDIS_CHANNEL, (message: string) => {
        const events = decode(message)
        if (Option.isNone(events)) {
          offer(Effect.logWarning("Live events: an unreadable Redis message was ignored"))
          return
        }
        offer(hub.offer(events.value.map((event) => ({ ...event, tenantId: event.tenantId as TenantId }))))
      })
    )
    yield* Effect.logInfo("Live events: subscribed on Redis")
    return LiveEvents.of({
      publish: (events: ReadonlyArray<LiveEvent>) =>
        events.length === 0
          ? Effect.void
          : redis
              .use((client) => client.publish(LIVE_REDIS_CHANNEL, JSON.stringify(events)))
              .pipe(
                Effect.asVoid,
                Effect.catch((error) => Effect.logWarning("Live events: a Redis publish failed", error))
              ),
      subscribe: hub.subscribe
    })
  })
)
