import { describe, expect, it } from "vitest"
import { contactKey } from "./Conversation.ts"
import { NotConnected, NumberAlreadyConnected } from "./Errors.ts"

describe("contact key", () => {
  it("uses wa_id, or the business-scoped user id when Meta hides the number", () => {
    expect(contactKey("15550001111", "US.123")).toBe("15550001111")
    expect(contactKey("", "US.123")).toBe("US.123")
    expect(contactKey(undefined, "US.123")).toBe("US.123")
    expect(contactKey("", "")).toBeNull()
  })
})

describe("domain errors", () => {
  it("carry the messages people read", () => {
    expect(new NumberAlreadyConnected({ phoneNumberId: "1" }).message).toBe(
      "This number is already connected to another workspace."
    )
    expect(new NotConnected({ status: "revoked" }).message).toContain("revoked")
    expect(new NumberAlreadyConnected({ phoneNumberId: "1" })._tag).toBe("NumberAlreadyConnected")
  })
})
