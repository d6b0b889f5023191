// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react"
import { afterEach, describe, expect, it } from "vitest"
import { type Answer, active, graphQLError, message, mockClient, withClient } from "../shared/testing.tsx"
import { Conversations } from "./Conversations.tsx"
import { E164_HINT, e164Digits } from "./NewConversation.tsx"
import { conversation, inboxOf } from "./testing.tsx"

const OLD_NUMBER = { phoneNumberId: "2000000000000009", displayPhoneNumber: "+15550109999" }

const thread: Answer = (variables) => ({
  conversation: {
    id: variables["id"],
    messages: {
      edges: [{ node: message({ id: `m-${String(variables["id"])}`, text: `Hello from ${String(variables["id"])}` }) }],
      pageInfo: { hasNextPage: false, endCursor: null }
    }
  }
})

const markRead: Answer = (variables) => ({
  markConversationRead: {
    __typename: "MarkConversationReadSuccess",
    conversation: { id: variables["id"], unreadCount: 0 }
  }
})

const renderInbox = (answers: Record<string, Answer>) => {
  const mock = mockClient({ ConversationMessages: thread, MarkConversationRead: markRead, ...answers })
  // The connection fragment's fields, as the Integrations query hands them over (masked in the types).
  const connection = active as unknown as Parameters<typeof Conversations>[0]["connection"]
  render(withClient(mock.client, <Conversations connection={connection} />))
  return mock
}

const list = () => screen.getByRole("navigation", { name: "Conversations" })
const names = () =>
  within(list())
    .queryAllByRole("listitem")
    .map((item) => item.querySelector(".conversation-name")?.textContent)

afterEach(cleanup)

describe("inbox paging", () => {
  it("a 120-conversation inbox: 20 at first, Load more until all 120 are listed, newest first, each once", async () => {
    const nodes = Array.from({ length: 120 }, (_, i) => conversation(i + 1))
    const { calls } = renderInbox({ Conversations: inboxOf(nodes) })
    expect(names()).toHaveLength(20)
    expect(within(list()).getByText("Showing the 20 most recent.")).toBeTruthy()
    for (let loaded = 20; loaded < 120; loaded += 20) {
      await act(async () => fireEvent.click(within(list()).getByRole("button", { name: "Load more" })))
      expect(names()).toHaveLength(loaded + 20)
    }
    expect(names()).toEqual(nodes.map((node) => node.contactName))
    expect(within(list()).getByText("All 120 conversations shown.")).toBeTruthy()
    expect(within(list()).queryByRole("button", { name: "Load more" })).toBeNull()
    // Each page after the previous page's last cursor.
    const afters = calls("Conversations").map((variables) => variables?.["after"])
    for (const page of [1, 2, 3, 4, 5]) expect(afters).toContain(`cur-conv-${page * 20}`)
  })

  it("a conversation that moved up (new message) while more pages are loaded is shown once, at the top", async () => {
    let nodes = Array.from({ length: 45 }, (_, i) => conversation(i + 1))
    renderInbox({ Conversations: (variables) => inboxOf(nodes)(variables) })
    await act(async () => fireEvent.click(within(list()).getByRole("button", { name: "Load more" })))
    expect(names()).toHaveLength(40)
    // Contact 30 writes: it is now the most recent; the polled first page brings it to the top.
    nodes = [conversation(30, { lastMessage: { direction: "INBOUND", preview: "I am back" } }), ...nodes]
    nodes = nodes.filter((node, index) => node.id !== "conv-30" || index === 0)
    await act(async () => fireEvent(document, new Event("visibilitychange")))
    expect(names()[0]).toBe("Contact 30")
    expect(names().filter((name) => name === "Contact 30")).toHaveLength(1)
    // Contact 20, pushed off the first page by it, is still listed.
    expect(names()).toContain("Contact 20")
    expect(within(list()).getByText("I am back")).toBeTruthy()
  })

  it("a failed Load more says so and Try again loads the page", async () => {
    const nodes = Array.from({ length: 30 }, (_, i) => conversation(i + 1))
    let fail = true
    renderInbox({
      Conversations: (variables) =>
        variables["after"] !== null && fail
          ? graphQLError("Database unavailable", "INTERNAL")
          : inboxOf(nodes)(variables)
    })
    await act(async () => fireEvent.click(within(list()).getByRole("button", { name: "Load more" })))
    expect(within(list()).getByRole("alert").textContent).toBe("Could not load more conversations.")
    expect(names()).toHaveLength(20)
    fail = false
    await act(async () => fireEvent.click(within(list()).getByRole("button", { name: "Try again" })))
    expect(names()).toHaveLength(30)
    expect(within(list()).queryByRole("alert")).toBeNull()
    expect(within(list()).getByText("All 30 conversations shown.")).toBeTruthy()
  })
})

describe("inbox states", () => {
  it("loading: says so", () => {
    renderInbox({})
    expect(within(list()).getByText("Loading conversations…")).toBeTruthy()
  })

  it("empty: says where messages come from and how to write first", () => {
    renderInbox({ Conversations: inboxOf([]) })
    expect(within(list()).getByText(/No conversations yet\. .*use New conversation\./)).toBeTruthy()
    expect(screen.getByText(/Choose one from the list, or start one with New conversation/)).toBeTruthy()
  })

  it("error: says so, and Try again asks again", async () => {
    let fail = true
    const { calls } = renderInbox({
      Conversations: (variables) => (fail ? graphQLError("boom", "INTERNAL") : inboxOf([conversation(1)])(variables))
    })
    expect(within(list()).getByRole("alert").textContent).toContain("Could not load conversations.")
    const before = calls("Conversations").length
    fail = false
    await act(async () => fireEvent.click(within(list()).getByRole("button", { name: "Try again" })))
    expect(calls("Conversations").length).toBeGreaterThan(before)
    expect(names()).toEqual(["Contact 1"])
  })
})

describe("inbox search", () => {
  const nodes = [
    conversation(1, { contactName: "Ada Lovelace" }),
    conversation(2, { contactName: "Grace Hopper" }),
    conversation(42),
    conversation(3, { contactName: null })
  ]

  it("by number: after a pause in typing, one request with the text; the match is listed", async () => {
    const { calls } = renderInbox({ Conversations: inboxOf(nodes) })
    const box = screen.getByRole("searchbox", { name: "Search conversations" })
    fireEvent.change(box, { target: { value: "+1 666" } })
    fireEvent.change(box, { target: { value: "+1 666 0000 0042" } })
    await waitFor(() => expect(names()).toEqual(["Contact 42"]))
    const searches = calls("Conversations").map((variables) => variables?.["search"])
    expect(searches).toContain("+1 666 0000 0042")
    // Debounced: the half-typed text was never sent.
    expect(searches).not.toContain("+1 666")
    expect(within(list()).getByText("All 1 match shown.")).toBeTruthy()
  })

  it("by name, any case; no match says so and Clear search brings the inbox back", async () => {
    renderInbox({ Conversations: inboxOf(nodes) })
    const box = screen.getByRole("searchbox", { name: "Search conversations" })
    fireEvent.change(box, { target: { value: "grace" } })
    await waitFor(() => expect(names()).toEqual(["Grace Hopper"]))
    fireEvent.change(box, { target: { value: "Zed" } })
    await waitFor(() => expect(within(list()).getByText("No conversations match “Zed”.")).toBeTruthy())
    fireEvent.click(within(list()).getByRole("button", { name: "Clear search" }))
    await waitFor(() => expect(names()).toHaveLength(4))
    expect((box as HTMLInputElement).value).toBe("")
  })
})

describe("inbox rows", () => {
  it("unread badges; opening a conversation marks it read", async () => {
    const nodes = [conversation(1), conversation(2, { unreadCount: 3 }), conversation(3, { unreadCount: 150 })]
    const { calls } = renderInbox({ Conversations: inboxOf(nodes) })
    const rows = within(list()).getAllByRole("button", { name: /^Contact/ })
    expect(rows[1]!.textContent).toContain("3 unread")
    expect(rows[2]!.textContent).toContain("99+ unread")
    // The first conversation is open and has nothing unread: nothing to mark.
    expect(calls("MarkConversationRead")).toEqual([])
    await act(async () => fireEvent.click(rows[1]!))
    expect(calls("MarkConversationRead")).toEqual([{ id: "conv-2" }])
    expect(rows[1]!.textContent).not.toContain("unread")
    expect(screen.getByRole("log", { name: "Messages with Contact 2" }).textContent).toContain("Hello from conv-2")
  })

  it("the last message's preview, with You: for one the business sent", () => {
    renderInbox({
      Conversations: inboxOf([
        conversation(1, { lastMessage: { direction: "OUTBOUND", preview: "See you at 5" } }),
        conversation(2, { lastMessage: { direction: "INBOUND", preview: "Photo: the receipt" } }),
        conversation(3, { lastMessage: null })
      ])
    })
    const previews = [...list().querySelectorAll(".conversation-preview")].map((node) => node.textContent)
    expect(previews).toEqual(["You: See you at 5", "Photo: the receipt", "No messages yet"])
  })

  it("the number each conversation is on, only when the tenant has had more than one", () => {
    const nodes = [conversation(1), conversation(2, OLD_NUMBER)]
    renderInbox({ Conversations: inboxOf(nodes, 2) })
    const rows = within(list()).getAllByRole("button", { name: /^Contact/ })
    expect(rows[0]!.textContent).toContain("On +1 555 010 1234")
    expect(rows[1]!.textContent).toContain("On +1 555 010 9999")
    expect(screen.getByRole("heading", { name: /Contact 1/ }).textContent).toBe("Contact 1 on +1 555 010 1234")
    cleanup()
    renderInbox({ Conversations: inboxOf(nodes, 1) })
    expect(list().textContent).not.toContain("On +1")
  })
})

describe("New conversation", () => {
  it("e164Digits: + then 8 to 15 digits, spaces and dashes allowed", () => {
    expect(e164Digits("+1 555-010 1234")).toBe("15550101234")
    expect(e164Digits("+44 (20) 7946 0958")).toBe("442079460958")
    expect(e164Digits("15550101234")).toBeNull()
    expect(e164Digits("+0555010123")).toBeNull()
    expect(e164Digits("+1555")).toBeNull()
    expect(e164Digits("+1234567890123456")).toBeNull()
    expect(e164Digits("+1 555 abc 1234")).toBeNull()
  })

  it("a number not in E.164 is refused with what to type", async () => {
    const { calls } = renderInbox({ Conversations: inboxOf([conversation(1)]) })
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }))
    const field = screen.getByLabelText("Phone number with country code")
    fireEvent.change(field, { target: { value: "555 0101" } })
    const before = calls("Conversations").length
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Open conversation" })))
    expect(screen.getByRole("alert").textContent).toBe(
      `Add + and the country code in front of the number. ${E164_HINT}`
    )
    expect(field.getAttribute("aria-invalid")).toBe("true")
    expect(calls("Conversations").length).toBe(before)
    fireEvent.change(field, { target: { value: "+1 555" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Open conversation" })))
    expect(screen.getByRole("alert").textContent).toBe(`That is not a complete international number. ${E164_HINT}`)
    fireEvent.change(field, { target: { value: "" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Open conversation" })))
    expect(screen.getByRole("alert").textContent).toBe(`Enter a phone number. ${E164_HINT}`)
  })

  it("a new number opens an empty thread that starts with a template (free text off, in words)", async () => {
    const { calls } = renderInbox({ Conversations: inboxOf([conversation(1)]) })
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }))
    fireEvent.change(screen.getByLabelText("Phone number with country code"), {
      target: { value: "+44 20 7946 0958" }
    })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Open conversation" })))
    expect(calls("Conversations").map((variables) => variables?.["search"])).toContain("442079460958")
    expect(screen.getByRole("heading", { name: "+44 207 946 0958" })).toBeTruthy()
    expect(screen.getByText("No messages yet: this is a new conversation.")).toBeTruthy()
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement
    expect(box.disabled).toBe(true)
    expect(document.getElementById(box.getAttribute("aria-describedby")!)?.textContent).toMatch(
      /^Start with an approved template: this contact has not written to you/
    )
    // No conversation is marked current in the list meanwhile.
    expect(list().querySelector('[aria-current="true"]')).toBeNull()
  })

  it("a number with a conversation opens that conversation; it is available with a conversation open", async () => {
    renderInbox({ Conversations: inboxOf([conversation(1), conversation(2)]) })
    expect(screen.getByRole("log", { name: "Messages with Contact 1" })).toBeTruthy()
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }))
    fireEvent.change(screen.getByLabelText("Phone number with country code"), {
      target: { value: "+1 666 0000 0002" }
    })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Open conversation" })))
    expect(screen.getByRole("log", { name: "Messages with Contact 2" })).toBeTruthy()
    expect(
      within(list())
        .getByRole("button", { name: /Contact 2/ })
        .getAttribute("aria-current")
    ).toBe("true")
  })

  it("Cancel goes back to the inbox", () => {
    renderInbox({ Conversations: inboxOf([conversation(1)]) })
    fireEvent.click(screen.getByRole("button", { name: "New conversation" }))
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }))
    expect(screen.getByRole("log", { name: "Messages with Contact 1" })).toBeTruthy()
  })
})
