import type { Answer } from "../shared/testing.tsx"
import { CONVERSATIONS_PAGE } from "./useInbox.tsx"

/** Test fixtures of the inbox: conversations and a `conversations` answer that pages and searches them. */
/** The number of the inbox fixtures. */
export const NUMBER = { phoneNumberId: "2000000000000001", displayPhoneNumber: "+15550101234" }

export type ConversationNode = Record<string, unknown> & {
  readonly id: string
  readonly waId: string
  readonly contactName: string | null
}

/** Conversation `i` (1 is the most recent): contact "Contact 1", number 1666 0000 0001, a minute apart. */
export const conversation = (i: number, overrides: Partial<ConversationNode> = {}): ConversationNode => ({
  id: `conv-${i}`,
  waId: `1666${String(i).padStart(8, "0")}`,
  contactName: `Contact ${i}`,
  lastMessageAt: new Date(Date.UTC(2026, 10, 20, 12) - i * 60_000).toISOString(),
  windowClosesAt: new Date(Date.now() + 3600_000).toISOString(),
  ...NUMBER,
  unreadCount: 0,
  lastMessage: { direction: "INBOUND", preview: `Message from contact ${i}` },
  ...overrides
})

/**
 * The server's `conversations`: `first: CONVERSATIONS_PAGE` after the cursor `cur-<id>`, filtered by a prefix of the
 * name or of the number's digits, as ConversationRepository.list does.
 */
export const inboxOf =
  (nodes: ReadonlyArray<ConversationNode>, numberCount = 1): Answer =>
  (variables) => {
    const search = String(variables["search"] ?? "").toLowerCase()
    const digits = /^[\d\s()+-]+$/.test(search) ? search.replace(/\D/g, "") : ""
    const matching = nodes.filter(
      (node) =>
        search === "" ||
        (node.contactName ?? "").toLowerCase().startsWith(search) ||
        (digits !== "" && node.waId.startsWith(digits))
    )
    const after = variables["after"]
    const start = after === null || after === undefined ? 0 : matching.findIndex((n) => `cur-${n.id}` === after) + 1
    const page = matching.slice(start, start + CONVERSATIONS_PAGE)
    return {
      conversations: {
        edges: page.map((node) => ({ cursor: `cur-${node.id}`, node })),
        pageInfo: {
          hasNextPage: start + CONVERSATIONS_PAGE < matching.length,
          endCursor: page.length === 0 ? null : `cur-${page.at(-1)!.id}`
        },
        numberCount: page.length === 0 ? 0 : numberCount
      }
    }
  }
