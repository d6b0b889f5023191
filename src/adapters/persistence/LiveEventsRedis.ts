import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Effect, Layer, Option, Schema } from "effect"
import { type LiveEvent, LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { makeReceivingHub } from "./LiveEventsMemory.ts"
import { LiveEventJson } from "./LiveEventsPg.ts"

/** The Redis channel every instance publishes to and subscribes on. */
export const LIVE_REDIS_CHANNEL = "meta-connections:live-events"

const decode = Schema.decodeUnknownOption(Schema.fromJsonString(Schema.Array(LiveEventJson)))

/**
 * Live events of every instance sharing one Redis (`REDIS_URL`): `publish` (called by the repositories once their
 * transaction committed) sends the batch with `PUBLISH`; each instance holds one connection for subscribing (a
 * duplicate of the shared client, as Redis requires for a subscriber), which SUBSCRIBEs only while the instance has
 * a subscriber (`makeReceivingHub`: with none, no message reaches this process). A `subscribe` returns once Redis
 * confirmed the SUBSCRIBE. While Redis is unreachable a publish is logged and dropped (pages refetch when their
 * stream reconnects), and node-redis reconnects and resubscribes on its own.
 */
export const LiveEventsRedis = Layer.effect(
  LiveEvents,
  Effect.gen(function* () {
    const redis = yield* NodeRedis.NodeRedis
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
    const hub = yield* makeReceivingHub((hub, ready) => {
      const onMessage = (message: string) => {
        const events = decode(message)
        if (Option.isNone(events)) {
          offer(Effect.logWarning("Live events: an unreadable Redis message was ignored"))
          return
        }
        offer(hub.offer(events.value.map((event) => ({ ...event, tenantId: event.tenantId as TenantId }))))
      }
      return Effect.acquireRelease(
        Effect.tryPromise(() => subscriber.subscribe(LIVE_REDIS_CHANNEL, onMessage)),
        () => Effect.promise(() => subscriber.unsubscribe(LIVE_REDIS_CHANNEL, onMessage).catch(() => undefined))
      ).pipe(
        Effect.andThen(ready),
        Effect.andThen(Effect.logDebug("Live events: subscribed on Redis")),
        Effect.andThen(Effect.never)
      )
    }, "Redis subscribing")
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
