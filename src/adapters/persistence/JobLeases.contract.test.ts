import { assert, layer } from "@effect/vitest"
import { Deferred, type Duration, Effect, Exit, Fiber, Option } from "effect"
import { persistenceBackends } from "../../../test/support/Backends.ts"
import { JobLeases } from "../../application/ports/JobLeases.ts"

const key = () => crypto.randomUUID()
const lease = (k: string, rest: Duration.Input = "0 millis", hold: Duration.Input = "1 minute") => ({
  job: "contract",
  key: k,
  hold,
  rest
})

for (const backend of persistenceBackends()) {
  layer(backend.layer, { timeout: 60_000, excludeTestServices: true })(
    `job leases contract (${backend.name})`,
    (it) => {
      it.effect("a free lease runs the work and gives its result", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          assert.deepStrictEqual(yield* leases.run(lease(key()), Effect.succeed(42)), Option.some(42))
        })
      )

      it.effect("while one run holds it, another skips without running; a different key runs", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          const started = yield* Deferred.make<void>()
          const finish = yield* Deferred.make<void>()
          const first = yield* leases
            .run(lease(k), Deferred.succeed(started, undefined).pipe(Effect.andThen(Deferred.await(finish))))
            .pipe(Effect.forkChild)
          yield* Deferred.await(started)
          let ran = false
          const second = yield* leases.run(
            lease(k),
            Effect.sync(() => (ran = true))
          )
          assert.isTrue(Option.isNone(second))
          assert.isFalse(ran, "the skipped work did not run")
          assert.deepStrictEqual(yield* leases.run(lease(key()), Effect.succeed("other")), Option.some("other"))
          yield* Deferred.succeed(finish, undefined)
          assert.isTrue(Option.isSome(yield* Fiber.join(first)))
          // Released (rest 0): the next run takes it.
          assert.deepStrictEqual(yield* leases.run(lease(k), Effect.succeed("again")), Option.some("again"))
        })
      )

      it.effect("many takers at once: exactly one runs", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          let runs = 0
          const results = yield* Effect.forEach(
            Array.from({ length: 12 }, () => 0),
            () => leases.run(lease(k, "1 minute"), Effect.sync(() => ++runs).pipe(Effect.delay("30 millis"))),
            { concurrency: "unbounded" }
          )
          assert.strictEqual(runs, 1)
          assert.strictEqual(results.filter(Option.isSome).length, 1)
        })
      )

      it.effect("a rest keeps the key done for the round: the next run skips until it ends", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          assert.isTrue(Option.isSome(yield* leases.run(lease(k, "300 millis"), Effect.void)))
          assert.isTrue(Option.isNone(yield* leases.run(lease(k, "300 millis"), Effect.void)))
          yield* Effect.sleep("450 millis")
          assert.isTrue(Option.isSome(yield* leases.run(lease(k, "300 millis"), Effect.void)))
        })
      )

      it.effect("failed work releases the lease at once (despite a rest) and fails as it did", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          const failed = yield* leases.run(lease(k, "1 minute"), Effect.fail("meta down" as const)).pipe(Effect.exit)
          assert.deepStrictEqual(failed, Exit.fail("meta down"))
          assert.deepStrictEqual(yield* leases.run(lease(k, "1 minute"), Effect.succeed(1)), Option.some(1))
        })
      )

      it.effect("an interrupted run releases the lease", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          const started = yield* Deferred.make<void>()
          const fiber = yield* leases
            .run(lease(k, "1 minute"), Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never)))
            .pipe(Effect.forkChild)
          yield* Deferred.await(started)
          yield* Fiber.interrupt(fiber)
          assert.deepStrictEqual(yield* leases.run(lease(k), Effect.succeed(2)), Option.some(2))
        })
      )

      it.effect("a holder that never ends loses the lease after `hold` (a crashed instance)", () =>
        Effect.gen(function* () {
          const leases = yield* JobLeases
          const k = key()
          const started = yield* Deferred.make<void>()
          const stuck = yield* leases
            .run(
              lease(k, "0 millis", "200 millis"),
              Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never))
            )
            .pipe(Effect.forkChild)
          yield* Deferred.await(started)
          assert.isTrue(Option.isNone(yield* leases.run(lease(k), Effect.void)))
          yield* Effect.sleep("350 millis")
          assert.deepStrictEqual(yield* leases.run(lease(k), Effect.succeed(3)), Option.some(3))
          yield* Fiber.interrupt(stuck)
        })
      )
    }
  )
}
