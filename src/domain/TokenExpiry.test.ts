import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { EXPIRY_WARNING, isExpiringSoon } from "./TokenExpiry.ts"

describe("token expiry warning", () => {
  it("is seven days, inclusive, and never for a token that does not expire", () => {
    const now = Date.UTC(2026, 0, 1)
    const week = Duration.toMillis(EXPIRY_WARNING)
    expect(week).toBe(7 * 24 * 3600 * 1000)
    expect(isExpiringSoon(now + week, now)).toBe(true)
    expect(isExpiringSoon(now + week + 1, now)).toBe(false)
    expect(isExpiringSoon(now - 1, now)).toBe(true)
    expect(isExpiringSoon(null, now)).toBe(false)
  })
})
