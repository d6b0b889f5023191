import { assert, describe, it } from "@effect/vitest"
import { Effect, Logger } from "effect"
import { TestClock } from "effect/testing"
import { drainWorker } from "./DrainWorker.ts"

/** Lets the forked worker run what it can without time passing. */
const settle = Effect.gen(function* () {
  for (let i = 0; i < 20; i++) yield* Effect.yieldNow
})

describe("drainWorker", () => {
  it.effect("drains again at once while it finds work, waits idle when none, and goes on after a failure", () =>
    Effect.gen(function* () {
      // Rounds answer: 2 claimed, 1 claimed, nothing, a failure, nothing, …
      const answers: Array<number | "fail"> = [2, 1, 0, "fail"]
      let calls = 0
      const drain = Effect.suspend(() => {
        const answer = answers[calls++] ?? 0
        return answer === "fail" ? Effect.die(new Error("database gone")) : Effect.succeed(answer)
      })
      const logs: Array<string> = []
      yield* drainWorker(drain, "500 millis", "Test worker: draining failed; retrying").pipe(
        Effect.provide(Logger.layer([Logger.map(Logger.formatLogFmt, (line) => void logs.push(line))]))
      )
      yield* settle
      assert.strictEqual(calls, 3, "two rounds with work, then one that found none")
      yield* TestClock.adjust("499 millis")
      yield* settle
      assert.strictEqual(calls, 3, "waits idle after an empty round")
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(calls, 4, "the failing round")
      assert.strictEqual(logs.filter((line) => line.includes("Test worker: draining failed; retrying")).length, 1)
      yield* TestClock.adjust("999 millis")
      yield* settle
      assert.strictEqual(calls, 4, "waits a second after a failure")
      yield* TestClock.adjust("1 millis")
      yield* settle
      assert.strictEqual(calls, 5, "and goes on")
    }).pipe(Effect.scoped)
  )
})
