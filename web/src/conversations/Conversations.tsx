import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from "react"
import { useMutation, useQuery } from "urql"
import type {
  ConversationEventsSubscription,
  ConversationMessagesQuery as ConversationMessages,
  InboxConnectionFragment,
  MessageStatus
} from "../gql/graphql.ts"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { Spinner } from "../shared/Dialog.tsx"
import { formatMessageTime, formatPhoneNumber } from "../shared/format.ts"
import { ConversationEventsLive, LiveNotice, useLiveSubscription } from "../shared/LiveUpdates.tsx"
import { usePolling } from "../shared/usePolling.ts"
import { ConversationList, contactLabel, numberLabel } from "./ConversationList.tsx"
import { AttachButton, awaitsMedia, isReaction, MessageBody, reactionsOf } from "./MessageContent.tsx"
import { NewConversation } from "./NewConversation.tsx"
import { type ConversationSummary, POLL_MS, useInbox, useMarkRead } from "./useInbox.tsx"

export { CONVERSATIONS_PAGE, POLL_MS } from "./useInbox.tsx"

import { TemplatePicker } from "./TemplatePicker.tsx"

export const InboxConnection = graphql(`
  fragment InboxConnection on WhatsAppConnection {
    status
    phoneNumberId
  }
`)

const MessageItemFields = graphql(`
  fragment MessageItemFields on Message {
    ...MessageContentFields
    providerMessageId
    direction
    type
    text
    status
    error
    timestamp
  }
`)

/**
 * The messages of one conversation, oldest first, 12 at a time (`first: 12` below; with the media and reaction fields
 * 20 would cost over the server's 500).
 */
export const MESSAGES_PAGE = 12
const ConversationMessagesQuery = graphql(`
  query ConversationMessages($id: ID!, $messagesAfter: String) {
    conversation(id: $id) {
      id
      messages(first: 12, after: $messagesAfter) {
        edges {
          node {
            id
            timestamp
            ...MessageItemFields
          }
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`)

type Message = NonNullable<ConversationMessages["conversation"]>["messages"]["edges"][number]["node"]

const SendTextMutation = graphql(`
  mutation SendWhatsAppText($input: SendTextInput!) {
    sendWhatsAppText(input: $input) {
      __typename
      ... on SendWhatsAppTextSuccess {
        sent: message {
          id
          timestamp
          ...MessageItemFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

const STATUS_LABEL: Record<MessageStatus, string> = {
  RECEIVED: "Received",
  PENDING: "Sending…",
  SENT: "Sent",
  DELIVERED: "Delivered",
  READ: "Read",
  PLAYED: "Played",
  FAILED: "Failed"
}

const newKey = (): string => {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID()
  return [...crypto.getRandomValues(new Uint8Array(16))].map((byte) => byte.toString(16).padStart(2, "0")).join("")
}

/** Why sending is off, or null when it is on. */
export const sendDisabledReason = (connection: InboxConnectionFragment): string | null => {
  if (connection.status === "ACTIVE") return null
  if (connection.status === "PENDING") return "Finish connecting WhatsApp above to send messages."
  if (connection.status === "ERROR") return "WhatsApp needs to be reconnected before you can send messages."
  return "Connect WhatsApp above to send messages."
}

/** What the thread pane shows: a conversation, a new one with a number (no messages yet), or the number form. */
type View =
  | { readonly kind: "conversation"; readonly conversation: ConversationSummary }
  | { readonly kind: "draft"; readonly waId: string }
  | { readonly kind: "new" }

export function Conversations({
  connection: connectionRef
}: {
  readonly connection: FragmentType<typeof InboxConnection>
}) {
  const connection = useFragment(InboxConnection, connectionRef)
  const titleId = useId()
  const [searchText, setSearchText] = useState("")
  const inbox = useInbox(searchText)
  const [view, setView] = useState<View | null>(null)
  const live = inbox.live
  const [sentCount, setSentCount] = useState(0)

  const edges = inbox.edges ?? []
  // The chosen conversation as the list shows it now (fresher), else as it was chosen; the newest by default.
  const fresh = (predicate: (node: ConversationSummary) => boolean) =>
    edges.find((edge) => predicate(edge.node))?.node ?? null
  const selected: ConversationSummary | null =
    view === null
      ? (edges[0]?.node ?? null)
      : view.kind === "conversation"
        ? (fresh((node) => node.id === view.conversation.id) ?? view.conversation)
        : view.kind === "draft"
          ? // Once the first message went, the new conversation is in the list.
            fresh((node) => node.waId === view.waId && node.phoneNumberId === connection.phoneNumberId)
          : null
  useMarkRead(selected)

  const onSent = () => {
    setSentCount((count) => count + 1)
    inbox.refresh()
  }

  return (
    <section className="card" aria-labelledby={titleId}>
      <header className="card-header">
        <div className="card-heading">
          <h2 id={titleId}>Conversations</h2>
          <p className="muted">
            Messages with your customers, updated {live === "live" ? "as they arrive" : "every few seconds"}.
          </p>
          {/* The page's own line says "Live"; the card speaks only when its stream is paused. */}
          {live === "paused" ? <LiveNotice state={live} /> : null}
        </div>
      </header>
      <div className="inbox">
        <ConversationList
          inbox={inbox}
          searchText={searchText}
          onSearchText={setSearchText}
          selectedId={view?.kind === "new" ? null : (selected?.id ?? null)}
          onSelect={(conversation) => setView({ kind: "conversation", conversation })}
          onNewConversation={() => setView({ kind: "new" })}
        />
        <div className="thread">
          {view?.kind === "new" ? (
            <NewConversation
              phoneNumberId={connection.phoneNumberId}
              onOpen={(waId, existing) =>
                setView(existing === null ? { kind: "draft", waId } : { kind: "conversation", conversation: existing })
              }
              onCancel={() => setView(null)}
            />
          ) : selected !== null ? (
            <>
              <Thread
                key={selected.id}
                conversation={selected}
                showNumber={inbox.numberCount > 1}
                refresh={sentCount}
              />
              <Composer
                connection={connection}
                to={selected.waId}
                conversationId={selected.id}
                windowClosesAt={selected.windowClosesAt}
                onSent={onSent}
              />
            </>
          ) : view?.kind === "draft" ? (
            <>
              <div className="messages-pane">
                <h3 className="thread-title">{formatPhoneNumber(view.waId)}</h3>
                <p className="empty">No messages yet: this is a new conversation.</p>
              </div>
              <Composer key={view.waId} connection={connection} to={view.waId} windowClosesAt={null} onSent={onSent} />
            </>
          ) : (
            <div className="messages-pane">
              <p className="empty">
                {inbox.edges === undefined
                  ? "The conversation you choose opens here."
                  : "No conversation open. Choose one from the list, or start one with New conversation."}
              </p>
            </div>
          )}
        </div>
      </div>
    </section>
  )
}

/**
 * The 24-hour customer service window of a conversation, in words: whether free text can go, until when, and what
 * to do once it closed (only an approved template reaches the contact then).
 */
export const windowNotice = (
  windowClosesAt: string | null,
  now: Date = new Date()
): { readonly open: boolean; readonly text: string } => {
  if (windowClosesAt === null) {
    return {
      open: false,
      text: "Start with an approved template: this contact has not written to you, so WhatsApp allows only a template. Free text opens for 24 hours once they write."
    }
  }
  if (new Date(windowClosesAt).getTime() > now.getTime()) {
    return { open: true, text: `You can reply until ${formatMessageTime(windowClosesAt, now)}.` }
  }
  return {
    open: false,
    text: `The 24-hour window closed at ${formatMessageTime(windowClosesAt, now)}; only an approved template can reach this contact now. Free text opens again when they write.`
  }
}

function Thread({
  conversation,
  showNumber,
  refresh
}: {
  readonly conversation: ConversationSummary
  /** The tenant has had more than one number: say which one this conversation is on. */
  readonly showNumber: boolean
  readonly refresh: number
}) {
  // Pages are fetched oldest first; once a page is full the next one is followed, and the last page is polled.
  const [cursor, setCursor] = useState<string | null>(null)
  const [known, setKnown] = useState<ReadonlyMap<string, Message>>(() => new Map())
  const [result, refetch] = useQuery({
    query: ConversationMessagesQuery,
    variables: { id: conversation.id, messagesAfter: cursor },
    requestPolicy: "cache-and-network"
  })
  const poll = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch])
  const onEvent = useCallback(
    ({ conversationEvents: { conversationId } }: ConversationEventsSubscription) => {
      if (conversationId === null || conversationId === conversation.id) poll()
    },
    [poll, conversation.id]
  )
  const live = useLiveSubscription(ConversationEventsLive, onEvent, poll)
  useEffect(() => {
    if (refresh > 0) poll()
  }, [refresh, poll])

  const data = result.data ?? undefined
  const node = data?.conversation ?? undefined
  useEffect(() => {
    if (node === undefined || node.id !== conversation.id) return
    setKnown((previous) => {
      const next = new Map(previous)
      for (const edge of node.messages.edges) next.set(edge.node.id, edge.node)
      return next
    })
    const { hasNextPage, endCursor } = node.messages.pageInfo
    if (hasNextPage && endCursor !== null) setCursor(endCursor)
  }, [node, conversation.id])

  const messages = [...known.values()].sort(
    (a, b) => a.timestamp.localeCompare(b.timestamp) || a.id.localeCompare(b.id)
  )
  const items = useFragment(MessageItemFields, messages)
  const reactions = reactionsOf(items)
  usePolling(poll, POLL_MS, live !== "live" || awaitsMedia(items))
  const name = contactLabel(conversation)

  // New messages scroll into view, unless the reader has scrolled up to older ones.
  const list = useRef<HTMLOListElement>(null)
  const pinned = useRef(true)
  const count = messages.length
  useEffect(() => {
    const element = list.current
    if (element !== null && count > 0 && pinned.current) element.scrollTop = element.scrollHeight
  }, [count])
  const onScroll = () => {
    const element = list.current
    if (element !== null) pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 48
  }

  return (
    <div className="messages-pane">
      <h3 className="thread-title">
        {name}
        {showNumber ? <span className="thread-number muted"> on {numberLabel(conversation)}</span> : null}
      </h3>
      {messages.length === 0 ? (
        result.error !== undefined ? (
          <p className="error-text" role="alert">
            Could not load the messages. They will be retried automatically.
          </p>
        ) : data === undefined || result.fetching ? (
          <Spinner label="Loading messages…" />
        ) : (
          <p className="empty">No messages yet.</p>
        )
      ) : null}
      <ol
        ref={list}
        className="messages"
        role="log"
        aria-label={`Messages with ${name}`}
        aria-live="polite"
        onScroll={onScroll}
      >
        {messages
          .filter((_, index) => !isReaction(items[index]!))
          .map((message) => (
            <MessageItem key={message.id} message={message} reactions={reactions} />
          ))}
      </ol>
    </div>
  )
}

function MessageItem({
  message: messageRef,
  reactions
}: {
  readonly message: FragmentType<typeof MessageItemFields>
  readonly reactions: ReadonlyMap<string, string>
}) {
  const message = useFragment(MessageItemFields, messageRef)
  const reaction = message.providerMessageId === null ? undefined : reactions.get(message.providerMessageId)
  const inbound = message.direction === "INBOUND"
  return (
    <li className={`message ${inbound ? "inbound" : "outbound"}${message.status === "FAILED" ? " failed" : ""}`}>
      <span className="visually-hidden">{inbound ? "Incoming: " : "Outgoing: "}</span>
      <MessageBody message={message} />
      {reaction === undefined ? null : (
        <p className="message-reaction">
          <span className="visually-hidden">Reaction: </span>
          {reaction}
        </p>
      )}
      <p className="message-meta">
        <time dateTime={message.timestamp}>{formatMessageTime(message.timestamp)}</time>
        <span className={`status status-${message.status.toLowerCase()}`}>{STATUS_LABEL[message.status]}</span>
      </p>
      {message.status === "FAILED" && message.error ? <p className="message-error">{message.error}</p> : null}
    </li>
  )
}

function Composer({
  connection,
  to,
  conversationId,
  windowClosesAt,
  onSent
}: {
  readonly connection: InboxConnectionFragment
  /** The contact's WhatsApp id. */
  readonly to: string
  /** The open conversation (none for a new one): the server refuses a reply there if it belongs to a number no longer connected. */
  readonly conversationId?: string | undefined
  /** The conversation's window (null: the contact never wrote, as in a new conversation). */
  readonly windowClosesAt: string | null
  readonly onSent: () => void
}) {
  const textId = useId()
  const reasonId = useId()
  const [text, setText] = useState("")
  const [key, setKey] = useState(newKey)
  const [error, setError] = useState<string | null>(null)
  const [state, send] = useMutation(SendTextMutation)
  const window = windowNotice(windowClosesAt)
  const reason = sendDisabledReason(connection) ?? (window.open ? null : window.text)
  const canSend = reason === null && text.trim() !== "" && !state.fetching

  const submit = async (event?: FormEvent) => {
    event?.preventDefault()
    if (!canSend) return
    setError(null)
    const result = await send({
      input: {
        to,
        text: text.trim(),
        idempotencyKey: key,
        ...(conversationId === undefined ? {} : { conversationId })
      }
    })
    const data = result.data?.sendWhatsAppText
    if (data === undefined) {
      setError(result.error?.graphQLErrors[0]?.message ?? "The message was not sent. Try again.")
    } else if ("message" in data) {
      setError(data.message)
    } else {
      setText("")
      setKey(newKey())
      onSent()
    }
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === "Enter" && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      void submit()
    }
  }

  return (
    <form className="composer" onSubmit={submit} aria-label="Send a WhatsApp message">
      <label htmlFor={textId} className="visually-hidden">
        Message
      </label>
      <div className="composer-row">
        <textarea
          id={textId}
          rows={2}
          value={text}
          placeholder={reason === null ? "Type a message" : "Sending is unavailable"}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={onKeyDown}
          disabled={reason !== null}
          aria-describedby={reason === null ? undefined : reasonId}
          maxLength={4096}
        />
        <AttachButton to={to} disabled={reason !== null} onSent={onSent} onError={setError} />
        <button type="submit" className="button primary" disabled={!canSend}>
          {state.fetching ? "Sending…" : "Send"}
        </button>
      </div>
      {reason === null ? null : (
        <p id={reasonId} className="muted composer-reason" data-testid="composer-reason">
          {reason}
        </p>
      )}
      {!window.open && sendDisabledReason(connection) === null ? <TemplatePicker to={to} onSent={onSent} /> : null}
      {reason === null ? (
        <p className="muted composer-reason" data-testid="window-notice">
          {window.text}
        </p>
      ) : null}
      {error === null ? null : (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </form>
  )
}
