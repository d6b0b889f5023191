import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { advanceStatus, type DeliveryStatus, isStatusAdvance, type MessageStatus } from "./Message.ts"

const delivery = fc.constantFrom<DeliveryStatus>("sent", "delivered", "read", "played", "failed")
const fold = (start: MessageStatus, statuses: ReadonlyArray<MessageStatus>) => statuses.reduce(advanceStatus, start)

describe("message status", () => {
  it("moves forward only", () => {
    expect(advanceStatus("sent", "delivered")).toBe("delivered")
    expect(advanceStatus("read", "delivered")).toBe("read")
    expect(advanceStatus("pending", "read")).toBe("read")
    expect(advanceStatus("delivered", "delivered")).toBe("delivered")
    expect(isStatusAdvance("read", "delivered")).toBe(false)
  })

  it("failed is final, and received (inbound) never changes", () => {
    expect(advanceStatus("failed", "read")).toBe("failed")
    expect(advanceStatus("read", "failed")).toBe("failed")
    expect(advanceStatus("received", "read")).toBe("received")
  })

  it("any permutation of a status sequence ends in the same final status", () => {
    fc.assert(
      fc.property(
        fc.constantFrom<MessageStatus>("pending", "sent"),
        fc
          .array(delivery, { minLength: 1, maxLength: 12 })
          .chain((statuses) =>
            fc.tuple(fc.constant(statuses), fc.shuffledSubarray(statuses, { minLength: statuses.length }))
          ),
        (start, [statuses, permuted]) => {
          expect(fold(start, permuted)).toBe(fold(start, statuses))
        }
      ),
      { numRuns: 500 }
    )
  })

  it("the final status is failed if any status failed, else the furthest one", () => {
    const order: ReadonlyArray<DeliveryStatus> = ["sent", "delivered", "read", "played"]
    fc.assert(
      fc.property(fc.array(delivery, { minLength: 1, maxLength: 12 }), (statuses) => {
        const expected = statuses.includes("failed")
          ? "failed"
          : order[Math.max(...statuses.map((s) => order.indexOf(s)))]
        expect(fold("pending", statuses)).toBe(expected)
      }),
      { numRuns: 500 }
    )
  })
})
