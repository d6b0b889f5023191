// @vitest-environment jsdom
import { cleanup, render, screen } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import type { FragmentType } from "../gql/index.ts"
import { MessageBody, type MessageContentFields } from "./MessageContent.tsx"

afterEach(cleanup)

const message = (referral: unknown) =>
  ({
    id: "m1",
    providerMessageId: "wamid.1",
    type: "text",
    text: "Is this still on sale?",
    media: null,
    reaction: null,
    referral
  }) as unknown as FragmentType<typeof MessageContentFields>

describe("MessageBody", () => {
  it("names the Click-to-WhatsApp ad a message came from, linking its https URL", () => {
    render(
      <MessageBody
        message={message({ sourceType: "ad", headline: "Spring sale", sourceUrl: "https://fb.me/120200000000001" })}
      />
    )
    expect(screen.getByText(/Came from your ad/).textContent).toBe("Came from your ad “Spring sale”")
    expect(screen.getByRole("link", { name: "“Spring sale”" }).getAttribute("href")).toBe(
      "https://fb.me/120200000000001"
    )
    expect(screen.getByText("Is this still on sale?")).toBeTruthy()
  })

  it("a post without a headline; a URL that is not https is not a link; no referral, no line", () => {
    const { rerender } = render(
      <MessageBody message={message({ sourceType: "post", headline: null, sourceUrl: null })} />
    )
    expect(screen.getByText(/Came from/).textContent).toBe("Came from your post")
    rerender(
      <MessageBody message={message({ sourceType: "ad", headline: "Sale", sourceUrl: "javascript:alert(1)" })} />
    )
    expect(screen.queryByRole("link")).toBeNull()
    rerender(<MessageBody message={message(null)} />)
    expect(screen.queryByText(/Came from/)).toBeNull()
  })
})
