import { describe, expect, it } from "vitest"
import { customerServiceWindow, windowClosesAt } from "./CustomerServiceWindow.ts"

describe("customer service window", () => {
  const inbound = new Date("2026-03-01T14:05:00Z")

  it("closes 24 hours after the last inbound message", () => {
    expect(windowClosesAt(inbound)?.toISOString()).toBe("2026-03-02T14:05:00.000Z")
    expect(windowClosesAt(null)).toBeNull()
  })

  it("is open until the instant it closes, closed from then on", () => {
    expect(customerServiceWindow(inbound, new Date("2026-03-02T14:04:59.999Z"))).toEqual({
      _tag: "Open",
      closesAt: new Date("2026-03-02T14:05:00Z")
    })
    expect(customerServiceWindow(inbound, new Date("2026-03-02T14:05:00Z"))).toEqual({
      _tag: "Closed",
      closedAt: new Date("2026-03-02T14:05:00Z")
    })
  })

  it("is closed, with no closing time, for a contact who never wrote", () => {
    expect(customerServiceWindow(null, new Date())).toEqual({ _tag: "Closed", closedAt: null })
  })
})
