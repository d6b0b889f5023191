import { describe, expect, it } from "vitest"
import { messageText } from "./MessageBody.ts"

describe("message body", () => {
  it("reads the text a person sees from each body type", () => {
    expect(messageText("text", { text: { body: "hi" } })).toBe("hi")
    expect(messageText("image", { image: { id: "1", caption: "look" } })).toBe("look")
    expect(messageText("reaction", { reaction: { message_id: "w", emoji: "👍" } })).toBe("👍")
    expect(messageText("button", { button: { payload: "p", text: "Yes" } })).toBe("Yes")
    expect(
      messageText("interactive", { interactive: { type: "button_reply", button_reply: { id: "b", title: "OK" } } })
    ).toBe("OK")
    expect(messageText("location", { location: { latitude: 1 } })).toBeNull()
    expect(messageText("text", null)).toBeNull()
  })
})
