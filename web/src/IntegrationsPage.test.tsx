// @vitest-environment jsdom

import { act, cleanup, fireEvent, screen, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { noConversations, renderIntegrationsPage } from "./pageTesting.tsx"
import { REASON_MESSAGES } from "./shared/reasons.ts"
import {
  type Answer,
  active,
  admin,
  graphQLError,
  member,
  message,
  notConnected,
  type Viewer,
  type WhatsAppConnection
} from "./shared/testing.tsx"

const oneNumberInbox = () => ({ conversations: { ...noConversations().conversations, numberCount: 1 } })

const renderPage = (
  connection: WhatsAppConnection,
  options: { viewer?: Viewer; answers?: Record<string, Answer>; search?: string } = {}
) =>
  renderIntegrationsPage({
    ...options,
    whatsapp: connection,
    answers: { Conversations: oneNumberInbox, ...options.answers }
  })

const card = () => screen.getByRole("region", { name: "WhatsApp" })

beforeEach(() => {
  window.history.replaceState(null, "", "/settings/integrations")
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe("WhatsApp card", () => {
  it("not connected: Connect WhatsApp starts Embedded Signup and opens authUrl, with a spinner meanwhile", async () => {
    const authUrl = "http://127.0.0.1:9/v21.0/dialog/oauth?state=s"
    const { navigate, calls } = renderPage(notConnected, {
      answers: { StartWhatsAppConnect: () => ({ startWhatsAppConnect: { authUrl, state: "s" } }) }
    })
    expect(within(card()).getByText("Not connected")).toBeTruthy()
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Connect WhatsApp" })))
    expect(calls("StartWhatsAppConnect")).toHaveLength(1)
    expect(navigate).toHaveBeenCalledWith(authUrl)
    expect(screen.getByRole("status", { name: "" }).textContent).toContain("Waiting for Meta")
    expect(screen.queryByRole("button", { name: "Connect WhatsApp" })).toBeNull()
  })

  it("connected: shows the number (international, with spaces), the display name and when; Disconnect asks first", async () => {
    const { calls } = renderPage(active, {
      answers: { DisconnectWhatsApp: () => ({ disconnectWhatsApp: { ...notConnected, status: "REVOKED" } }) }
    })
    const region = card()
    expect(within(region).getByText("Connected")).toBeTruthy()
    expect(within(region).getByText("+1 555 010 1234")).toBeTruthy()
    expect(within(region).getByText("Sandbox Shop")).toBeTruthy()
    expect(region.querySelector("time")?.getAttribute("datetime")).toBe(active.updatedAt)

    const opener = within(region).getByRole("button", { name: "Disconnect" })
    opener.focus()
    fireEvent.click(opener)
    const dialog = screen.getByRole("alertdialog", { name: "Disconnect WhatsApp?" })
    expect(calls("DisconnectWhatsApp")).toHaveLength(0)
    // Cancel closes without disconnecting; focus returns to the opener.
    fireEvent.click(within(dialog).getByRole("button", { name: "Cancel" }))
    expect(screen.queryByRole("alertdialog")).toBeNull()
    expect(document.activeElement).toBe(opener)

    fireEvent.click(within(region).getByRole("button", { name: "Disconnect" }))
    fireEvent.keyDown(document, { key: "Escape" })
    expect(screen.queryByRole("alertdialog")).toBeNull()

    fireEvent.click(within(region).getByRole("button", { name: "Disconnect" }))
    const again = screen.getByRole("alertdialog")
    await act(async () => fireEvent.click(within(again).getByRole("button", { name: "Disconnect" })))
    expect(calls("DisconnectWhatsApp")).toHaveLength(1)
    expect(screen.queryByRole("alertdialog")).toBeNull()
  })

  it("pending with several numbers: choose one, then Use this number", async () => {
    const pending: WhatsAppConnection = {
      ...notConnected,
      status: "PENDING",
      pendingReason: "choose_number",
      choices: [
        {
          id: "111",
          displayPhoneNumber: "+1 555-010-1234",
          verifiedName: "Sandbox Shop",
          heldByAnotherWorkspace: false
        },
        {
          id: "222",
          displayPhoneNumber: "+1 555-010-5678",
          verifiedName: "Sandbox Support",
          heldByAnotherWorkspace: false
        }
      ]
    }
    const { calls } = renderPage(pending, {
      answers: {
        ChooseWhatsAppNumber: () => ({
          chooseWhatsAppNumber: { __typename: "ChooseWhatsAppNumberSuccess", connection: active }
        })
      }
    })
    expect(within(card()).getByText("Action needed")).toBeTruthy()
    const use = screen.getByRole("button", { name: "Use this number" }) as HTMLButtonElement
    expect(use.disabled).toBe(true)
    const radios = screen.getAllByRole("radio")
    expect(radios).toHaveLength(2)
    // The picker shows numbers in the one format.
    fireEvent.click(screen.getByRole("radio", { name: /\+1 555 010 5678/ }))
    expect(use.disabled).toBe(false)
    await act(async () => fireEvent.click(use))
    expect(calls("ChooseWhatsAppNumber")).toEqual([{ phoneNumberId: "222" }])
  })

  it("pending a number the other tenant holds: the error is shown", async () => {
    const pending: WhatsAppConnection = {
      ...notConnected,
      status: "PENDING",
      pendingReason: "choose_number",
      choices: [{ id: "111", displayPhoneNumber: "+1 555-010-1234", verifiedName: null, heldByAnotherWorkspace: false }]
    }
    renderPage(pending, {
      answers: {
        ChooseWhatsAppNumber: () => ({
          chooseWhatsAppNumber: { __typename: "NumberAlreadyConnectedError", message: "Another workspace holds it." }
        })
      }
    })
    fireEvent.click(screen.getByRole("radio"))
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Use this number" })))
    expect(screen.getByRole("alert").textContent).toBe("Another workspace holds it.")
  })

  it("pending display name review: explains and offers Reconnect", () => {
    renderPage({ ...notConnected, status: "PENDING", pendingReason: "display_name_review" })
    expect(card().textContent).toContain("Meta is reviewing the display name")
    expect(screen.getByRole("button", { name: "Reconnect" })).toBeTruthy()
  })

  it("pending display name rejected: says Meta rejected it and what to do next", () => {
    renderPage({
      ...notConnected,
      status: "PENDING",
      pendingReason: "display_name_review",
      error: 'Meta rejected the display name "Acme". Edit the display name in WhatsApp Manager, or appeal the decision.'
    })
    expect(screen.getByRole("alert").textContent).toContain('Meta rejected the display name "Acme"')
    expect(screen.getByRole("alert").textContent).toContain("Edit the display name in WhatsApp Manager")
    expect(screen.getByRole("button", { name: "Reconnect" })).toBeTruthy()
  })

  for (const [nameStatus, words, next] of [
    ["PENDING_REVIEW", "Display name: in review at Meta.", "usually takes one to two days"],
    ["DECLINED", "Display name: declined by Meta.", "Change it in WhatsApp Manager"],
    ["EXPIRED", "Display name: approval expired.", "Submit the name again"],
    ["NONE", "Display name: not set.", "Set one in WhatsApp Manager"]
  ] as const) {
    it(`pending display name review (${nameStatus}): the review state in words, the number kept, Reconnect`, () => {
      renderPage({
        ...active,
        status: "PENDING",
        connected: false,
        pendingReason: "display_name_review",
        displayNameStatus: nameStatus
      })
      expect(card().textContent).toContain(words)
      expect(card().textContent).toContain(next)
      expect(within(card()).getByText("+1 555 010 1234")).toBeTruthy()
      expect(within(card()).getByText("Sandbox Shop")).toBeTruthy()
      expect(screen.getByRole("button", { name: "Reconnect" })).toBeTruthy()
    })
  }

  it("pending without a number (only the WABA shared): says to add one, never the display-name text", () => {
    renderPage({ ...notConnected, status: "PENDING", pendingReason: "add_phone_number" })
    expect(card().textContent).toContain("Add and verify a number in WhatsApp Manager")
    expect(card().textContent).not.toContain("display name")
    expect(screen.getByRole("button", { name: "Reconnect" })).toBeTruthy()
  })

  it("pending with a number another workspace holds: marked and not selectable before the person picks", () => {
    renderPage({
      ...notConnected,
      status: "PENDING",
      pendingReason: "choose_number",
      choices: [
        { id: "111", displayPhoneNumber: "+1 555-010-1234", verifiedName: "Taken", heldByAnotherWorkspace: true },
        { id: "222", displayPhoneNumber: "+1 555-010-5678", verifiedName: "Free", heldByAnotherWorkspace: false }
      ]
    })
    const taken = screen.getByRole("radio", { name: /\+1 555 010 1234/ }) as HTMLInputElement
    const free = screen.getByRole("radio", { name: /\+1 555 010 5678/ }) as HTMLInputElement
    expect(taken.disabled).toBe(true)
    expect(free.disabled).toBe(false)
    expect(taken.closest("label")?.textContent).toContain("Connected to another workspace")
    expect(free.closest("label")?.textContent).not.toContain("another workspace")
  })

  it("error: says what went wrong, keeps the number and display name, offers Reconnect and Disconnect", () => {
    renderPage({ ...active, status: "ERROR", connected: false, error: "The token was revoked at Meta." })
    expect(within(card()).getByText("Error")).toBeTruthy()
    expect(card().textContent).toContain("The token was revoked at Meta.")
    expect(within(card()).getByText("+1 555 010 1234")).toBeTruthy()
    expect(within(card()).getByText("Sandbox Shop")).toBeTruthy()
    expect(screen.getByRole("button", { name: "Reconnect" })).toBeTruthy()
    fireEvent.click(screen.getByRole("button", { name: "Disconnect" }))
    expect(screen.getByRole("alertdialog", { name: "Disconnect WhatsApp?" })).toBeTruthy()
  })

  it("a failed disconnect says so; its Try again asks to disconnect again, never starts a connection", async () => {
    const { calls } = renderPage(active, {
      answers: { DisconnectWhatsApp: () => graphQLError("Meta is down", "META_UNAVAILABLE") }
    })
    fireEvent.click(within(card()).getByRole("button", { name: "Disconnect" }))
    await act(async () =>
      fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Disconnect" }))
    )
    const alert = within(card()).getByRole("alert")
    expect(alert.textContent).toContain("Could not disconnect.")
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }))
    expect(screen.getByRole("alertdialog", { name: "Disconnect WhatsApp?" })).toBeTruthy()
    expect(calls("StartWhatsAppConnect")).toHaveLength(0)
  })

  it("never connected, the last attempt failed: Not connected with that error and one Try again, no Error badge", async () => {
    const { navigate } = renderPage(
      { ...notConnected, status: "ERROR", error: "Reconnect and grant: whatsapp_business_messaging." },
      { answers: { StartWhatsAppConnect: () => ({ startWhatsAppConnect: { authUrl: "https://meta/x", state: "s" } }) } }
    )
    expect(within(card()).getByText("Not connected")).toBeTruthy()
    expect(within(card()).queryByText("Error")).toBeNull()
    expect(within(card()).getByRole("alert").textContent).toContain("whatsapp_business_messaging")
    const retry = within(card()).getAllByRole("button", { name: "Try again" })
    expect(retry).toHaveLength(1)
    expect(within(card()).queryByRole("button", { name: "Disconnect" })).toBeNull()
    await act(async () => fireEvent.click(retry[0]!))
    expect(navigate).toHaveBeenCalledWith("https://meta/x")
  })

  it("revoked: disconnected, history kept, Connect WhatsApp again", () => {
    renderPage({ ...notConnected, status: "REVOKED", updatedAt: "2026-11-20T10:30:00.000Z" })
    expect(card().textContent).toContain("history is kept")
    expect(screen.getByRole("button", { name: "Connect WhatsApp" })).toBeTruthy()
  })

  it("a token expiring within 7 days shows a banner; one in 30 days does not", () => {
    const soon = new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString()
    renderPage({ ...active, tokenExpiresAt: soon })
    expect(card().textContent).toContain("access token expires on")
    cleanup()
    const later = new Date(Date.now() + 30 * 24 * 3600 * 1000).toISOString()
    renderPage({ ...active, tokenExpiresAt: later })
    expect(card().textContent).not.toContain("access token expires on")
  })
})

describe("coming back from Meta", () => {
  it("?whatsapp=connected refreshes the status, shows it connected and cleans the query string", () => {
    const { calls } = renderPage(active, { search: "?whatsapp=connected&tab=1" })
    expect(calls("Integrations").length).toBeGreaterThan(0)
    expect(screen.getByText("WhatsApp is connected.")).toBeTruthy()
    expect(window.location.search).toBe("?tab=1")
  })

  for (const [reason, text] of Object.entries(REASON_MESSAGES)) {
    it(`?whatsapp=error&reason=${reason} says so, offers to try again once, and cleans the query string`, () => {
      renderPage(notConnected, { search: `?whatsapp=error&reason=${reason}` })
      const alert = screen.getByRole("alert")
      expect(alert.textContent).toContain(text)
      expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy()
      // One action per error: the card does not add a second connect button beside it.
      expect(within(card()).getAllByRole("button", { name: /Try again|Connect WhatsApp/ })).toHaveLength(1)
      expect(window.location.search).toBe("")
      expect(window.location.pathname).toBe("/settings/integrations")
    })
  }

  it("the two messages the issue spells out", () => {
    expect(REASON_MESSAGES["cancelled"]).toBe("You cancelled the connection.")
    expect(REASON_MESSAGES["number_in_use"]).toBe("This number is already connected to another workspace.")
  })

  for (const reason of ["state_used", "state_invalid", "state_expired"]) {
    it(`Back after a successful connect: ?whatsapp=error&reason=${reason} while active shows Connected, no stale error`, () => {
      renderPage(active, { search: `?whatsapp=error&reason=${reason}` })
      expect(within(card()).queryByRole("alert")).toBeNull()
      expect(within(card()).getByText("Connected")).toBeTruthy()
      expect(within(card()).getByText("WhatsApp is connected.")).toBeTruthy()
      expect(window.location.search).toBe("")
    })
  }

  it("a real failure while active (a reconnect someone cancelled) is still shown", () => {
    renderPage(active, { search: "?whatsapp=error&reason=cancelled" })
    expect(within(card()).getByRole("alert").textContent).toContain("You cancelled the connection.")
    expect(within(card()).getAllByRole("button", { name: "Try again" })).toHaveLength(1)
  })

  it("a page restored by Back (bfcache) asks for the status again", async () => {
    const { calls } = renderPage(notConnected)
    const before = calls("Integrations").length
    await act(async () => {
      window.dispatchEvent(new PageTransitionEvent("pageshow", { persisted: true }))
    })
    expect(calls("Integrations").length).toBeGreaterThan(before)
  })

  it("an unknown reason still gets a sentence", () => {
    renderPage(notConnected, { search: "?whatsapp=error&reason=weird" })
    expect(screen.getByRole("alert").textContent).toContain("The connection failed. Try again.")
  })

  // An object's inherited keys are not reasons: `REASON_MESSAGES["__proto__"]` is Object.prototype, which React
  // cannot render (a blank page), and `constructor` a function (an empty alert).
  for (const reason of ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf", ""]) {
    it(`?whatsapp=error&reason=${reason} shows the generic error, never a blank page`, () => {
      renderPage(notConnected, { search: `?whatsapp=error&reason=${encodeURIComponent(reason)}` })
      const alert = screen.getByRole("alert")
      expect(alert.querySelector("p")?.textContent).toBe("The connection failed. Try again.")
      expect(within(alert).getByRole("button", { name: "Try again" })).toBeTruthy()
    })
  }
})

describe("manual connect (operators only)", () => {
  it("a member sees no manual-connect button nor its inputs", () => {
    renderPage(notConnected, { viewer: member })
    expect(screen.queryByRole("button", { name: /Manual Connect/ })).toBeNull()
    expect(screen.queryByLabelText(/Access token/)).toBeNull()
    expect(screen.queryByLabelText(/Phone number id/)).toBeNull()
    expect(document.body.innerHTML).not.toMatch(/accessToken|wabaId/)
  })

  it("a viewer who may operate (admin or integration_debug) opens the dialog with WABA id, phone number id, token", async () => {
    const { calls } = renderPage(notConnected, {
      viewer: { ...member, canOperate: true },
      answers: {
        ConnectWhatsAppManually: () => ({
          connectWhatsAppManually: { __typename: "ConnectWhatsAppManuallySuccess", connection: active }
        })
      }
    })
    fireEvent.click(screen.getByRole("button", { name: "Manual Connect (Admin only)" }))
    const dialog = screen.getByRole("dialog", { name: "Manual Connect (Admin only)" })
    fireEvent.change(within(dialog).getByLabelText("WhatsApp Business Account id"), { target: { value: "123456" } })
    fireEvent.change(within(dialog).getByLabelText("Phone number id"), { target: { value: "654321" } })
    fireEvent.change(within(dialog).getByLabelText("Access token"), { target: { value: "EAAtoken" } })
    expect((within(dialog).getByLabelText("Access token") as HTMLInputElement).type).toBe("password")
    await act(async () => fireEvent.submit(dialog.querySelector("form")!))
    expect(calls("ConnectWhatsAppManually")).toEqual([
      { input: { wabaId: "123456", phoneNumberId: "654321", accessToken: "EAAtoken" } }
    ])
    expect(screen.queryByRole("dialog")).toBeNull()
  })

  it("an admin sees the button; a refusal from the API is shown in the dialog", async () => {
    renderPage(notConnected, {
      viewer: admin,
      answers: {
        ConnectWhatsAppManually: () => ({
          connectWhatsAppManually: { __typename: "ForbiddenError", message: "Only operators may do this." }
        })
      }
    })
    fireEvent.click(screen.getByRole("button", { name: "Manual Connect (Admin only)" }))
    const dialog = screen.getByRole("dialog")
    await act(async () => fireEvent.submit(dialog.querySelector("form")!))
    expect(within(dialog).getByRole("alert").textContent).toBe("Only operators may do this.")
  })
})

describe("conversations", () => {
  const onNumber = { phoneNumberId: "2000000000000001", displayPhoneNumber: "+15550101234" }
  const conversations = () => ({
    conversations: {
      edges: [
        {
          cursor: "c1",
          node: {
            id: "conv-1",
            waId: "15557654321",
            contactName: "Ada",
            lastMessageAt: "2026-11-20T10:32:00.000Z",
            // Ada wrote an hour ago: her 24-hour window is open.
            windowClosesAt: new Date(Date.now() + 23 * 3600 * 1000).toISOString(),
            ...onNumber,
            unreadCount: 0,
            lastMessage: { direction: "OUTBOUND", preview: "Are you there?" }
          }
        },
        {
          cursor: "c2",
          node: {
            id: "conv-2",
            waId: "15550000002",
            contactName: null,
            lastMessageAt: "2026-11-19T10:32:00.000Z",
            windowClosesAt: "2026-11-20T10:32:00.000Z",
            ...onNumber,
            unreadCount: 0,
            lastMessage: { direction: "INBOUND", preview: "Second conversation" }
          }
        }
      ],
      pageInfo: { hasNextPage: false, endCursor: "c2" },
      numberCount: 1
    }
  })
  const threadAnswer: Answer = (variables) => ({
    conversation: {
      id: variables["id"],
      messages: {
        edges:
          variables["id"] === "conv-2"
            ? [{ node: message({ id: "m9", text: "Second conversation" }) }]
            : [
                { node: message({ id: "m1", text: "Hi there" }) },
                {
                  node: message({
                    id: "m2",
                    direction: "OUTBOUND",
                    text: "Hello Ada",
                    status: "DELIVERED",
                    timestamp: "2026-11-20T10:32:00.000Z"
                  })
                },
                {
                  node: message({
                    id: "m3",
                    direction: "OUTBOUND",
                    text: "Are you there?",
                    status: "FAILED",
                    error: "Message undeliverable.",
                    timestamp: "2026-11-20T10:33:00.000Z"
                  })
                }
              ],
        pageInfo: { hasNextPage: false, endCursor: null }
      }
    }
  })

  it("empty: says that messages appear here", () => {
    renderPage(active)
    expect(screen.getByText(/No conversations yet/)).toBeTruthy()
  })

  it("lists conversations and the messages of the selected one with direction, time and status", () => {
    renderPage(active, { answers: { Conversations: conversations, ConversationMessages: threadAnswer } })
    const nav = screen.getByRole("navigation", { name: "Conversations" })
    expect(within(nav).getByRole("button", { name: /Ada/ }).getAttribute("aria-current")).toBe("true")
    const log = screen.getByRole("log", { name: "Messages with Ada" })
    const items = within(log).getAllByRole("listitem")
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringMatching(/^Incoming: Hi there.*Received$/),
      expect.stringMatching(/^Outgoing: Hello Ada.*Delivered$/),
      expect.stringMatching(/^Outgoing: Are you there\?.*FailedMessage undeliverable\.$/)
    ])
    expect(items[0]!.querySelector("time")?.getAttribute("datetime")).toBe("2026-11-20T10:31:00.000Z")

    fireEvent.click(within(nav).getByRole("button", { name: /\+1 555 000 0002/ }))
    expect(screen.getByRole("log", { name: "Messages with +1 555 000 0002" }).textContent).toContain(
      "Second conversation"
    )
  })

  it("shows the 24-hour window: until when a reply can go, or that it closed and only a template reaches them", () => {
    renderPage(active, { answers: { Conversations: conversations, ConversationMessages: threadAnswer } })
    expect(screen.getByTestId("window-notice").textContent).toMatch(/^You can reply until .+\.$/)
    expect((screen.getByLabelText("Message") as HTMLTextAreaElement).disabled).toBe(false)
    const nav = screen.getByRole("navigation", { name: "Conversations" })
    fireEvent.click(within(nav).getByRole("button", { name: /\+1 555 000 0002/ }))
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement
    expect(box.disabled).toBe(true)
    expect(document.getElementById(box.getAttribute("aria-describedby")!)?.textContent).toMatch(
      /^The 24-hour window closed at .+; only an approved template can reach this contact now/
    )
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true)
  })

  it("the send box is disabled with the reason when WhatsApp is not connected", () => {
    renderPage(notConnected, { answers: { Conversations: conversations, ConversationMessages: threadAnswer } })
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement
    expect(box.disabled).toBe(true)
    const reason = document.getElementById(box.getAttribute("aria-describedby")!)
    expect(reason?.textContent).toBe("Connect WhatsApp above to send messages.")
    expect((screen.getByRole("button", { name: "Send" }) as HTMLButtonElement).disabled).toBe(true)
  })

  it("connected: sends a text to the selected conversation with an idempotency key", async () => {
    const { calls } = renderPage(active, {
      answers: {
        Conversations: conversations,
        ConversationMessages: threadAnswer,
        SendWhatsAppText: () => ({
          sendWhatsAppText: {
            __typename: "SendWhatsAppTextSuccess",
            sent: message({ id: "m4", direction: "OUTBOUND", status: "PENDING", text: "On my way" })
          }
        })
      }
    })
    const box = screen.getByLabelText("Message") as HTMLTextAreaElement
    expect(box.disabled).toBe(false)
    fireEvent.change(box, { target: { value: "On my way" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Send" })))
    const [sent] = calls("SendWhatsAppText") as Array<{ input: Record<string, string> }>
    expect(sent?.input).toMatchObject({ to: "15557654321", text: "On my way" })
    expect(sent?.input["idempotencyKey"]).toMatch(/^[0-9a-f-]{32,36}$/)
    expect(box.value).toBe("")
  })

  it("a send error (e.g. not connected at Meta) is shown", async () => {
    renderPage(active, {
      answers: {
        Conversations: conversations,
        ConversationMessages: threadAnswer,
        SendWhatsAppText: () => ({
          sendWhatsAppText: { __typename: "MetaUnavailableError", message: "Meta is unavailable. Try again." }
        })
      }
    })
    fireEvent.change(screen.getByLabelText("Message"), { target: { value: "Hi" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Send" })))
    expect(screen.getByRole("alert").textContent).toBe("Meta is unavailable. Try again.")
  })

  it("polls the conversations every 3 seconds while visible", async () => {
    vi.useFakeTimers()
    const { calls } = renderPage(active, {
      answers: { Conversations: conversations, ConversationMessages: threadAnswer }
    })
    const before = calls("Conversations").length
    await act(async () => vi.advanceTimersByTime(3000))
    expect(calls("Conversations").length).toBeGreaterThan(before)
  })
})
