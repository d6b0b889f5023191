// @vitest-environment jsdom
import { act, cleanup, render, screen, within } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { POLL_MS } from "../conversations/Conversations.tsx"
import { conversation, inboxOf } from "../conversations/testing.tsx"
import { CONNECTION_POLL_MS, IntegrationsPage } from "../IntegrationsPage.tsx"
import { parseEvents } from "./sse.ts"
import { type Answer, active, adsNotConnected, liveClient, member, message, withClient } from "./testing.tsx"

/** One conversation, Ada's, whose last message is the thread's outbound one. */
const conversations = inboxOf([
  conversation(1, {
    waId: "15557654321",
    contactName: "Ada",
    windowClosesAt: new Date(Date.now() + 23 * 3600 * 1000).toISOString(),
    lastMessage: { direction: "OUTBOUND", preview: "Your order shipped" }
  })
])

/** The thread's answer: one outbound message whose status is `status.value` (changed by the test). */
const threadOf = (status: { value: string }, media: unknown = null): Answer => {
  return () => ({
    conversation: {
      id: "conv-1",
      messages: {
        edges: [
          {
            node: message({
              id: "m-1",
              direction: "OUTBOUND",
              text: "Your order shipped",
              status: status.value as "SENT",
              ...({ media } as object)
            })
          }
        ],
        pageInfo: { hasNextPage: false, endCursor: null }
      }
    }
  })
}

const renderPage = (media: unknown = null) => {
  const status = { value: "SENT" }
  const live = liveClient({
    Integrations: () => ({ viewer: member, whatsappConnection: active }),
    Conversations: conversations,
    ConversationMessages: threadOf(status, media),
    MetaAds: () => ({ metaAdsConnection: adsNotConnected })
  })
  render(withClient(live.client, <IntegrationsPage onUnauthorized={vi.fn()} navigate={vi.fn()} />))
  return { ...live, status }
}

/** Lets the fake streams' reads and urql's microtasks run. */
const settle = () => act(() => vi.advanceTimersByTimeAsync(0))

const streamOf = (streams: ReturnType<typeof liveClient>["streams"], field: string) => {
  const found = streams.filter((stream) => stream.body.query.includes(field))
  return found[found.length - 1]!
}

beforeEach(() => {
  vi.useFakeTimers()
  window.history.replaceState(null, "", "/settings/integrations")
})
afterEach(() => {
  cleanup()
  vi.useRealTimers()
})

describe("parseEvents", () => {
  it("splits next and complete events, drops pings, keeps an unfinished block for the next chunk", () => {
    const { events, rest } = parseEvents(':\n\nevent: next\ndata: {"a":1}\n\nevent: complete\ndata:\n\nevent: ne')
    expect(events).toEqual([
      { event: "next", data: '{"a":1}' },
      { event: "complete", data: "" }
    ])
    expect(rest).toBe("event: ne")
  })
})

describe("live updates", () => {
  it("subscribes over SSE with the session's bearer token; one stream per subscription, shared by the cards", async () => {
    const { streams } = renderPage()
    await settle()
    const connection = streams.filter((stream) => stream.body.query.includes("connectionChanged"))
    const conversation = streams.filter((stream) => stream.body.query.includes("conversationEvents"))
    // The Integrations page and the Meta Ads card follow one connectionChanged stream; the list and the thread one.
    expect(connection).toHaveLength(1)
    expect(conversation).toHaveLength(1)
    for (const stream of streams) {
      expect(stream.headers.get("authorization")).toBe("Bearer token-1")
      expect(stream.headers.get("accept")).toBe("text/event-stream")
    }
    // Said once, by the page; the Conversations card says "as they arrive" in its description.
    expect(screen.getAllByText("Live: changes appear as they happen.")).toHaveLength(1)
    expect(screen.getByText(/updated as they arrive/)).toBeTruthy()
  })

  it("while live, a status moves on screen from the subscription, and the page does not poll", async () => {
    const { streams, calls, status } = renderPage()
    await settle()
    const thread = screen.getByRole("log")
    expect(within(thread).getByText("Sent")).toBeTruthy()
    const before = { list: calls("Conversations").length, thread: calls("ConversationMessages").length }
    // Well past the 3 s poll: nothing is fetched while the stream is open.
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS * 4))
    expect(calls("Conversations").length).toBe(before.list)
    expect(calls("ConversationMessages").length).toBe(before.thread)

    status.value = "READ"
    streamOf(streams, "conversationEvents").push({
      conversationEvents: { kind: "MESSAGE_STATUS", conversationId: "conv-1", messageId: "m-1", status: "READ" }
    })
    await settle()
    expect(within(thread).getByText("Read")).toBeTruthy()
    expect(calls("ConversationMessages").length).toBe(before.thread + 1)
  })

  it("while live, a thread whose media is still being fetched keeps polling (its arrival announces no event)", async () => {
    const { calls } = renderPage({ kind: "image", state: "PENDING", url: null, caption: null, filename: null })
    await settle()
    expect(screen.getByText(/Media not yet available/)).toBeTruthy()
    expect(screen.getAllByText("Live: changes appear as they happen.").length).toBeGreaterThan(0)
    const before = { list: calls("Conversations").length, thread: calls("ConversationMessages").length }
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS * 2))
    expect(calls("ConversationMessages").length).toBeGreaterThan(before.thread)
    expect(calls("Conversations").length).toBe(before.list)
  })

  it("an event of another conversation refetches the list but not the open thread", async () => {
    const { streams, calls } = renderPage()
    await settle()
    const before = { list: calls("Conversations").length, thread: calls("ConversationMessages").length }
    streamOf(streams, "conversationEvents").push({
      conversationEvents: { kind: "MESSAGE_RECEIVED", conversationId: "conv-9", messageId: "m-9", status: "RECEIVED" }
    })
    await settle()
    expect(calls("Conversations").length).toBe(before.list + 1)
    expect(calls("ConversationMessages").length).toBe(before.thread)
  })

  it("a connection change refetches the cards without polling", async () => {
    const { streams, calls } = renderPage()
    await settle()
    await act(() => vi.advanceTimersByTimeAsync(CONNECTION_POLL_MS * 2))
    const before = { integrations: calls("Integrations").length, ads: calls("MetaAds").length }
    streamOf(streams, "connectionChanged").push({
      connectionChanged: { connectionId: "c-1", provider: "WHATSAPP", status: "REVOKED" }
    })
    await settle()
    expect(calls("Integrations").length).toBe(before.integrations + 1)
    expect(calls("MetaAds").length).toBe(before.ads + 1)
  })

  it("the stream drops: says live updates are paused, reconnects after 1 s, refetches once for what it missed, and does not poll", async () => {
    const { streams, calls, fetch } = renderPage()
    await settle()
    const opened = fetch.mock.calls.length
    streamOf(streams, "conversationEvents").drop()
    await settle()
    expect(screen.getByRole("status", { name: "" }).textContent).toContain("Live updates paused — reconnecting")

    // The first retry waits 1 s (before the 3 s poll): back live, the thread refetches once for what it missed.
    const before = calls("ConversationMessages").length
    await act(() => vi.advanceTimersByTimeAsync(1000))
    expect(fetch.mock.calls.length).toBe(opened + 1)
    expect(screen.queryByText(/Live updates paused/)).toBeNull()
    expect(calls("ConversationMessages").length).toBe(before + 1)

    // Back: polling stops again.
    const resumed = calls("ConversationMessages").length
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS * 3))
    expect(calls("ConversationMessages").length).toBe(resumed)
  })

  it("a refused stream (HTTP 401) is paused and retried with a growing wait; the page polls meanwhile", async () => {
    const live = renderPage()
    live.control.refuse = 401
    await settle()
    expect(live.streams).toHaveLength(0)
    expect(screen.getAllByText(/Live updates paused — reconnecting/).length).toBeGreaterThan(0)
    const attempts = live.fetch.mock.calls.length
    await act(() => vi.advanceTimersByTimeAsync(1000))
    const afterFirst = live.fetch.mock.calls.length
    expect(afterFirst).toBeGreaterThan(attempts)
    // The second retry waits 2 s: nothing new after 1 more second.
    await act(() => vi.advanceTimersByTimeAsync(1000))
    expect(live.fetch.mock.calls.length).toBe(afterFirst)
    const polled = live.calls("ConversationMessages").length
    await act(() => vi.advanceTimersByTimeAsync(POLL_MS))
    expect(live.calls("ConversationMessages").length).toBeGreaterThan(polled)

    live.control.refuse = null
    await act(() => vi.advanceTimersByTimeAsync(30_000))
    expect(live.streams.length).toBeGreaterThan(0)
    expect(screen.queryByText(/Live updates paused/)).toBeNull()
  })
})
