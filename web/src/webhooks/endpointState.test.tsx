import { describe, expect, it } from "vitest"
import { endpointState } from "./WebhooksCard.tsx"

describe("an endpoint's state in words", () => {
  const base = { id: "e1", url: "https://x.example.com/", events: ["*"] }
  it("says an endpoint disabled by its failures is disabled, why, and what to do", () => {
    const state = endpointState({ ...base, enabled: false, disabledReason: "failures", consecutiveFailures: 5 })
    expect(state.label).toBe("Disabled")
    expect(state.detail).toContain("Disabled after 5 failed attempts in a row")
    expect(state.detail).toContain("Fix the receiver, then Enable")
  })
  it("tells a manual disable and a failing active endpoint apart", () => {
    expect(
      endpointState({ ...base, enabled: false, disabledReason: "manual", consecutiveFailures: 0 }).detail
    ).toContain("Disabled by an admin")
    expect(endpointState({ ...base, enabled: true, consecutiveFailures: 2 }).detail).toContain(
      "The last 2 attempts failed"
    )
  })
})
