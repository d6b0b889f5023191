import { Effect, Layer, Queue } from "effect"
import { DeliveryWakeups } from "../../application/outbound/ports/DeliveryWakeups.ts"

/** One pending wake at most (a sliding queue of one): wakes while the worker is busy collapse into one. */
export const makeDeliveryWakeups = Effect.gen(function* () {
  const wakes = yield* Queue.sliding<true>(1)
  return DeliveryWakeups.of({
    wake: Queue.offer(wakes, true).pipe(Effect.asVoid),
    await: (timeout) => Queue.take(wakes).pipe(Effect.timeoutOption(timeout), Effect.asVoid)
  })
})

/** In process (tests): whoever stores deliveries calls `wake`. */
export const DeliveryWakeupsMemory = Layer.effect(DeliveryWakeups, makeDeliveryWakeups)
