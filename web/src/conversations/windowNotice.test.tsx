import { describe, expect, it } from "vitest"
import { windowNotice } from "./Conversations.tsx"

describe("windowNotice", () => {
  const now = new Date("2026-03-02T10:00:00Z")

  it("open: until when free text can go", () => {
    const notice = windowNotice("2026-03-02T14:05:00Z", now)
    expect(notice.open).toBe(true)
    expect(notice.text).toMatch(/^You can reply until .+\.$/)
  })

  it("closed: when it closed, and that only a template reaches the contact", () => {
    const notice = windowNotice("2026-03-01T14:05:00Z", now)
    expect(notice.open).toBe(false)
    expect(notice.text).toMatch(
      /^The 24-hour window closed at .+; only an approved template can reach this contact now/
    )
  })

  it("never opened: the contact has not written", () => {
    expect(windowNotice(null, now)).toEqual({ open: false, text: expect.stringContaining("has not written") })
  })
})
