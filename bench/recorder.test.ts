import { describe, expect, it } from "vitest"
import type { LoadSpec } from "./protocol.ts"
import { Recorder } from "./recorder.ts"

const spec: LoadSpec = {
  kind: "graphql",
  name: "recorder",
  urls: ["http://127.0.0.1:1"],
  token: "not-a-token",
  query: "{ __typename }",
  concurrency: 1,
  warmupMs: 1_000,
  measureMs: 5_000,
  maxRequests: 100,
  rate: 10
}

/** A recorder on a clock the test moves: the window is [1000, 6000) ms. */
const recorderAt = () => {
  const clock = { now: 0 }
  const recorder = new Recorder(
    spec,
    0,
    () => clock.now,
    () => undefined
  )
  return { clock, recorder }
}

describe("Recorder", () => {
  it("counts the answers that arrive in the window apart from the requests started in it", () => {
    const { recorder } = recorderAt()
    recorder.record(500, 900, "200") // warm-up, answered before the window: neither
    recorder.record(500, 1_200, "200") // sent in the warm-up, answered in the window: answered only
    recorder.record(2_000, 2_010, "200") // both
    recorder.record(5_900, 6_500, "200") // started in the window, answered after it: measured only
    recorder.record(3_000, 3_050, "500") // an error answer is work done in the window too
    const result = recorder.result()
    expect(result.measured).toBe(3)
    expect(result.answeredInWindow).toBe(3)
    expect(result.sent).toBe(5)
  })

  it("an open loop that falls behind answers fewer in the window than it was sent", () => {
    const { clock, recorder } = recorderAt()
    // 10 req/s sent over the window, each answered 4 s late: only the first second's answers land in it.
    for (let start = 1_000; start < 6_000; start += 100) recorder.record(start, start + 4_000, "200")
    clock.now = 6_000
    const result = recorder.result()
    expect(result.measured).toBe(50)
    expect(result.answeredInWindow).toBe(10)
  })
})
