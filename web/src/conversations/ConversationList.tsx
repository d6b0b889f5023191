import { useId } from "react"
import { Spinner } from "../shared/Dialog.tsx"
import { formatMessageTime, formatPhoneNumber } from "../shared/format.ts"
import type { ConversationSummary, Inbox } from "./useInbox.tsx"

/** The most unread messages the server counts (UNREAD_CAP): more show as "99+". */
const UNREAD_SHOWN = 99

export const contactLabel = (conversation: Pick<ConversationSummary, "contactName" | "waId">) =>
  conversation.contactName ?? formatPhoneNumber(conversation.waId)

/** The tenant's number a conversation belongs to, as people read it. */
export const numberLabel = (conversation: Pick<ConversationSummary, "displayPhoneNumber" | "phoneNumberId">) =>
  conversation.displayPhoneNumber === null
    ? `number id ${conversation.phoneNumberId}`
    : formatPhoneNumber(conversation.displayPhoneNumber)

/**
 * The conversation list: search (name or number), the conversations with their last message, unread count and
 * (when the tenant has had more than one number) the number each belongs to, and "Load more".
 */
export function ConversationList({
  inbox,
  searchText,
  onSearchText,
  selectedId,
  onSelect,
  onNewConversation
}: {
  readonly inbox: Inbox
  readonly searchText: string
  readonly onSearchText: (text: string) => void
  readonly selectedId: string | null
  readonly onSelect: (conversation: ConversationSummary) => void
  readonly onNewConversation: () => void
}) {
  const searchId = useId()
  const edges = inbox.edges
  const searching = searchText.trim() !== ""
  return (
    <nav className="conversation-list" aria-label="Conversations">
      <div className="conversation-tools">
        <button type="button" className="button primary new-conversation" onClick={onNewConversation}>
          New conversation
        </button>
        <label htmlFor={searchId} className="visually-hidden">
          Search conversations
        </label>
        <input
          id={searchId}
          type="search"
          value={searchText}
          onChange={(event) => onSearchText(event.target.value)}
          placeholder="Search by name or number"
          autoComplete="off"
        />
      </div>
      {edges === undefined ? (
        inbox.error ? (
          <div className="list-state" role="alert">
            <p className="error-text">Could not load conversations.</p>
            <button type="button" className="button" onClick={inbox.retry}>
              Try again
            </button>
          </div>
        ) : (
          <div className="list-state">
            <Spinner label={searching ? "Searching…" : "Loading conversations…"} />
          </div>
        )
      ) : edges.length === 0 ? (
        inbox.search === "" ? (
          <p className="empty">
            No conversations yet. Messages sent to your WhatsApp number appear here; to write first, use New
            conversation.
          </p>
        ) : (
          <div className="list-state">
            <p className="empty">No conversations match “{inbox.search}”.</p>
            <button type="button" className="button" onClick={() => onSearchText("")}>
              Clear search
            </button>
          </div>
        )
      ) : (
        <>
          <ul>
            {edges.map(({ node }) => (
              <li key={node.id}>
                <ConversationItem
                  conversation={node}
                  current={node.id === selectedId}
                  showNumber={inbox.numberCount > 1}
                  onSelect={onSelect}
                />
              </li>
            ))}
          </ul>
          <div className="list-footer">
            <p className="muted" aria-live="polite">
              {inbox.hasNextPage
                ? `Showing the ${edges.length} most recent${inbox.search === "" ? "" : " matches"}.`
                : `All ${edges.length} ${inbox.search === "" ? (edges.length === 1 ? "conversation" : "conversations") : edges.length === 1 ? "match" : "matches"} shown.`}
            </p>
            {inbox.more === "error" ? (
              <p className="error-text" role="alert">
                Could not load more conversations.
              </p>
            ) : null}
            {inbox.hasNextPage ? (
              <button type="button" className="button" onClick={inbox.loadMore} disabled={inbox.more === "loading"}>
                {inbox.more === "loading" ? "Loading more…" : inbox.more === "error" ? "Try again" : "Load more"}
              </button>
            ) : null}
          </div>
        </>
      )}
    </nav>
  )
}

function ConversationItem({
  conversation,
  current,
  showNumber,
  onSelect
}: {
  readonly conversation: ConversationSummary
  readonly current: boolean
  readonly showNumber: boolean
  readonly onSelect: (conversation: ConversationSummary) => void
}) {
  // The open conversation is being marked read: its count is already 0 for the reader.
  const unread = current ? 0 : conversation.unreadCount
  const last = conversation.lastMessage
  return (
    <button
      type="button"
      className={`conversation${unread > 0 ? " unread" : ""}`}
      aria-current={current ? "true" : undefined}
      onClick={() => onSelect(conversation)}
    >
      <span className="conversation-top">
        <span className="conversation-name">{contactLabel(conversation)}</span>
        {conversation.lastMessageAt ? (
          <time className="muted" dateTime={conversation.lastMessageAt}>
            {formatMessageTime(conversation.lastMessageAt)}
          </time>
        ) : null}
      </span>
      <span className="conversation-bottom">
        <span className="conversation-preview muted">
          {last === null ? "No messages yet" : `${last.direction === "OUTBOUND" ? "You: " : ""}${last.preview}`}
        </span>
        {unread > 0 ? (
          <span className="unread-badge">
            {unread > UNREAD_SHOWN ? `${UNREAD_SHOWN}+` : unread}
            <span className="visually-hidden"> unread</span>
          </span>
        ) : null}
      </span>
      {showNumber ? <span className="conversation-number muted">On {numberLabel(conversation)}</span> : null}
    </button>
  )
}
