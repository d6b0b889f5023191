import { Duration, Effect } from "effect"
import type { ChannelConnection } from "../domain/ChannelConnection.ts"
import { JobLeases } from "./ports/JobLeases.ts"

/**
 * Runs `run` for each of `due` once every `interval`, spread evenly over it (one every interval / n), forked in the
 * layer's scope; a failing run is logged and the round goes on.
 */
export const spreadOver = (
  job: string,
  interval: Duration.Input,
  due: Effect.Effect<ReadonlyArray<ChannelConnection>>,
  run: (connection: ChannelConnection) => Effect.Effect<unknown>
) =>
  Effect.gen(function* () {
    const leases = yield* JobLeases
    const total = Duration.toMillis(Duration.fromInputUnsafe(interval))
    const round = Effect.gen(function* () {
      const connections = yield* due
      if (connections.length === 0) return yield* Effect.sleep(total)
      const gap = Math.max(1, Math.floor(total / connections.length))
      for (const connection of connections) {
        // Several instances run this job: the first to reach a connection checks it and marks it done for most of
        // the interval; the others skip it (one check per connection per interval, never two at once).
        yield* leases
          .run({ job, key: connection.id, hold: "5 minutes", rest: Math.floor(total * 0.9) }, run(connection))
          .pipe(
            Effect.catchCause((cause) => Effect.logError(`Job ${job} for connection ${connection.id} failed`, cause))
          )
        yield* Effect.sleep(gap)
      }
    })
    yield* Effect.forkScoped(Effect.forever(round))
  })
