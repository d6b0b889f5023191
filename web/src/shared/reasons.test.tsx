import { describe, expect, it } from "vitest"
import { connectedMessage, pendingMessage, unreadableHint } from "./reasons.ts"

describe("the reason → text map", () => {
  it("a completion's reason adds its sentence; an unknown or missing one gets the outcome's own", () => {
    expect(connectedMessage("coexistence")).toBe(
      "WhatsApp is connected. The number stays on the WhatsApp Business app too (Coexistence)."
    )
    expect(connectedMessage(null)).toBe("WhatsApp is connected.")
    expect(connectedMessage("something_new")).toBe("WhatsApp is connected.")
    expect(pendingMessage("add_phone_number")).toBe(
      "Your WhatsApp Business account is shared, but no phone number was added. Add and verify a number in WhatsApp Manager, then reconnect."
    )
    expect(pendingMessage(undefined)).toBe("Almost done: one more step below.")
  })

  it("an unreadable Business Manager's kind gives what to do; an unknown kind adds nothing", () => {
    expect(unreadableHint("rate_limited")).toBe(
      "Meta was limiting requests. Reconnect in a few minutes to try it again."
    )
    expect(unreadableHint("new_kind")).toBe("")
  })

  it("inherited keys are no reasons", () => {
    for (const key of ["__proto__", "constructor", "toString", "hasOwnProperty"]) {
      expect(connectedMessage(key)).toBe("WhatsApp is connected.")
      expect(pendingMessage(key)).toBe("Almost done: one more step below.")
      expect(unreadableHint(key)).toBe("")
    }
  })
})
