import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useId, useRef, useState } from "react"
import { useMutation, useQuery } from "urql"
import type {
  ConversationEventsSubscription,
  ConversationsQuery as ConversationList,
  ConversationMessagesQuery as ConversationMessages,
  InboxConnectionFragment,
  MessageStatus
} from "../gql/graphql.ts"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { Spinner } from "../shared/Dialog.tsx"
import { formatMessageTime, formatPhoneNumber } from "../shared/format.ts"
import { ConversationEventsLive, LiveNotice, useLiveSubscription } from "../shared/LiveUpdates.tsx"
import { usePolling } from "../shared/usePolling.ts"
import { AttachButton, awaitsMedia, isReaction, MessageBody, reactionsOf } from "./MessageContent.tsx"
import { TemplatePicker } from "./TemplatePicker.tsx"

const InboxConnection = graphql(`
  fragment InboxConnection on WhatsAppConnection {
    status
  }
`)

/** The page size of the conversation list, `first: 25` below (the query's cost stays well under the server's 500). */
export const CONVERSATIONS_PAGE = 25
const ConversationsQuery = graphql(`
  query Conversations {
    conversations(first: 25) {
      edges {
        cursor
        node {
          id
          waId
          contactName
          lastMessageAt
          windowClosesAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`)

type ConversationSummary = ConversationList["conversations"]["edges"][number]["node"]

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
 * The messages of one conversation, oldest first, 12 at a time (`first: 12` below; with the media and reaction fields 20 would cost over the server's 500). There is no field to fetch one conversation by
 * id, so this asks for the single conversation after the previous one's cursor (`after: null` for the first) and
 * the caller checks the id it got back. 20 a page: with the `__typename` urql adds to every selection, the
 * query costs about 360 of the 500 the server allows.
 */
export const MESSAGES_PAGE = 12
const ConversationMessagesQuery = graphql(`
  query ConversationMessages($after: String, $messagesAfter: String) {
    conversations(first: 1, after: $after) {
      edges {
        node {
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
    }
  }
`)

type Message = ConversationMessages["conversations"]["edges"][number]["node"]["messages"]["edges"][number]["node"]

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

/** How often the conversations and the open thread are refreshed while the page is visible. */
export const POLL_MS = 3000

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

const contactLabel = (conversation: ConversationSummary) =>
  conversation.contactName ?? formatPhoneNumber(conversation.waId)

/** Why sending is off, or null when it is on. */
export const sendDisabledReason = (connection: InboxConnectionFragment): string | null => {
  if (connection.status === "ACTIVE") return null
  if (connection.status === "PENDING") return "Finish connecting WhatsApp above to send messages."
  if (connection.status === "ERROR") return "WhatsApp needs to be reconnected before you can send messages."
  return "Connect WhatsApp above to send messages."
}

export function Conversations({
  connection: connectionRef
}: {
  readonly connection: FragmentType<typeof InboxConnection>
}) {
  const connection = useFragment(InboxConnection, connectionRef)
  const titleId = useId()
  const [list, refetchList] = useQuery({ query: ConversationsQuery, requestPolicy: "cache-and-network" })
  const poll = useCallback(() => refetchList({ requestPolicy: "network-only" }), [refetchList])
  const live = useLiveSubscription(ConversationEventsLive, poll, poll)
  usePolling(poll, POLL_MS, live !== "live")
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [sentCount, setSentCount] = useState(0)

  const listData = list.data ?? undefined
  const edges = listData?.conversations.edges ?? []
  const found = edges.findIndex((edge) => edge.node.id === selectedId)
  const index = found >= 0 ? found : edges.length > 0 ? 0 : -1
  const selected = edges[index]?.node ?? null
  const after = index > 0 ? (edges[index - 1]?.cursor ?? null) : null

  const onSent = () => {
    setSentCount((count) => count + 1)
    poll()
  }

  return (
    <section className="card" aria-labelledby={titleId}>
      <header className="card-header">
        <div className="card-heading">
          <h2 id={titleId}>Conversations</h2>
          <p className="muted">
            Messages with your customers, updated {live === "live" ? "as they arrive" : "every few seconds"}.
          </p>
          <LiveNotice state={live} />
        </div>
      </header>
      {listData === undefined ? (
        list.error === undefined ? (
          <div className="card-body">
            <Spinner label="Loading conversations…" />
          </div>
        ) : (
          <div className="card-body">
            <p className="error-text" role="alert">
              Could not load conversations. They will be retried automatically.
            </p>
          </div>
        )
      ) : (
        <div className="inbox">
          <nav className="conversation-list" aria-label="Conversations">
            {edges.length === 0 ? (
              <p className="empty">No conversations yet. Messages sent to your WhatsApp number appear here.</p>
            ) : (
              <ul>
                {edges.map(({ node }) => (
                  <li key={node.id}>
                    <button
                      type="button"
                      className="conversation"
                      aria-current={node.id === selected?.id ? "true" : undefined}
                      onClick={() => setSelectedId(node.id)}
                    >
                      <span className="conversation-name">{contactLabel(node)}</span>
                      {node.lastMessageAt ? (
                        <time className="muted" dateTime={node.lastMessageAt}>
                          {formatMessageTime(node.lastMessageAt)}
                        </time>
                      ) : null}
                    </button>
                  </li>
                ))}
              </ul>
            )}
          </nav>
          <div className="thread">
            {selected === null ? (
              <div className="messages-pane">
                <h3 className="thread-title">New message</h3>
              </div>
            ) : (
              <Thread key={selected.id} conversation={selected} after={after} refresh={sentCount} />
            )}
            <Composer
              connection={connection}
              to={selected?.waId}
              conversationId={selected?.id}
              windowClosesAt={selected?.windowClosesAt ?? null}
              onSent={onSent}
            />
          </div>
        </div>
      )}
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
      text: "This contact has not written to you, so WhatsApp allows only an approved template. Free text opens for 24 hours once they write."
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
  after,
  refresh
}: {
  readonly conversation: ConversationSummary
  readonly after: string | null
  readonly refresh: number
}) {
  // Pages are fetched oldest first; once a page is full the next one is followed, and the last page is polled.
  const [cursor, setCursor] = useState<string | null>(null)
  const [known, setKnown] = useState<ReadonlyMap<string, Message>>(() => new Map())
  const [result, refetch] = useQuery({
    query: ConversationMessagesQuery,
    variables: { after, messagesAfter: cursor },
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
  const node = data?.conversations.edges[0]?.node
  useEffect(() => {
    // The list may have moved since `after` was read: a page of another conversation is ignored.
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
      <h3 className="thread-title">{name}</h3>
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
  readonly to: string | undefined
  /** The open conversation: the server refuses a reply there if it belongs to a number no longer connected. */
  readonly conversationId?: string | undefined
  /** The open conversation's window; ignored for a new message (the server says whether the number wrote). */
  readonly windowClosesAt: string | null
  readonly onSent: () => void
}) {
  const textId = useId()
  const reasonId = useId()
  const [text, setText] = useState("")
  const [recipient, setRecipient] = useState("")
  const [key, setKey] = useState(newKey)
  const [error, setError] = useState<string | null>(null)
  const [state, send] = useMutation(SendTextMutation)
  const window = to === undefined ? null : windowNotice(windowClosesAt)
  const reason = sendDisabledReason(connection) ?? (window !== null && !window.open ? window.text : null)
  const target = (to ?? recipient).replace(/[\s()-]/g, "")
  const canSend = reason === null && text.trim() !== "" && target !== "" && !state.fetching

  const submit = async (event?: FormEvent) => {
    event?.preventDefault()
    if (!canSend) return
    setError(null)
    const result = await send({
      input: {
        to: target,
        text: text.trim(),
        idempotencyKey: key,
        ...(to !== undefined && conversationId !== undefined ? { conversationId } : {})
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
      {to === undefined ? (
        <label className="field">
          <span>To (phone number with country code)</span>
          <input
            type="tel"
            value={recipient}
            onChange={(event) => setRecipient(event.target.value)}
            placeholder="+15551234567"
            disabled={reason !== null}
            aria-describedby={reason === null ? undefined : reasonId}
            autoComplete="off"
          />
        </label>
      ) : null}
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
        <AttachButton to={target} disabled={reason !== null} onSent={onSent} onError={setError} />
        <button type="submit" className="button primary" disabled={!canSend}>
          {state.fetching ? "Sending…" : "Send"}
        </button>
      </div>
      {reason === null ? null : (
        <p id={reasonId} className="muted composer-reason" data-testid="composer-reason">
          {reason}
        </p>
      )}
      {to !== undefined && window !== null && !window.open && sendDisabledReason(connection) === null ? (
        <TemplatePicker to={target} onSent={onSent} />
      ) : null}
      {reason === null && window !== null ? (
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
