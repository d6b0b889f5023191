/**
 * Live updates for the page (issue 19.6): a GraphQL subscription over server-sent events that the page follows
 * instead of polling. While the stream is open the page stops polling; when it drops the page says so, polls again,
 * and the stream is retried (1 s, 2 s, 4 s … up to 30 s apart) until it is back, when the page refetches once for
 * what it missed.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore } from "react"
import { createRequest, type TypedDocumentNode, useClient } from "urql"
import { pipe, subscribe } from "wonka"
import { graphql } from "../gql/index.ts"
import { type LiveState, liveStatusOf } from "./sse.ts"

export type { LiveState } from "./sse.ts"

/** Something changed in one of the tenant's conversations: the inbox refetches the list, the open thread itself. */
export const ConversationEventsLive = graphql(`
  subscription ConversationEvents {
    conversationEvents {
      kind
      conversationId
      messageId
      status
    }
  }
`)

/** One of the tenant's connections changed status: the cards refetch it. */
export const ConnectionChangedLive = graphql(`
  subscription ConnectionChanged {
    connectionChanged {
      connectionId
      provider
      status
    }
  }
`)

const RETRY_FIRST_MS = 1000
const RETRY_MAX_MS = 30_000

const noListen = () => () => undefined

/**
 * Follows `document` (a subscription without variables): `onEvent` gets each event's data, `onResume` is called when
 * the stream is back after a drop. Returns the stream's state: poll while it is not `live`.
 */
export function useLiveSubscription<Data>(
  document: TypedDocumentNode<Data, Record<string, never>>,
  onEvent: (data: Data) => void,
  onResume?: () => void
): LiveState {
  const client = useClient()
  const status = liveStatusOf(client)
  const key = useMemo(() => createRequest(document, {}).key, [document])
  const state = useSyncExternalStore(
    status === undefined ? noListen : (listener) => status.listen(listener),
    () => status?.get(key) ?? "connecting"
  )
  const latest = useRef({ onEvent, onResume })
  useEffect(() => {
    latest.current = { onEvent, onResume }
  }, [onEvent, onResume])

  const [attempt, setAttempt] = useState(0)
  const failures = useRef(0)
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new `attempt` is what subscribes again after a drop
  useEffect(() => {
    if (status === undefined) return
    let retry: ReturnType<typeof setTimeout> | undefined
    let ended = false
    const again = () => {
      if (ended) return
      ended = true
      const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures.current)
      failures.current += 1
      retry = setTimeout(() => setAttempt((n) => n + 1), delay)
    }
    const { unsubscribe } = pipe(
      client.executeSubscription<Data>(createRequest(document, {})),
      subscribe((result) => {
        if (result.data !== undefined && result.data !== null) latest.current.onEvent(result.data)
        if (result.error !== undefined) again()
      })
    )
    return () => {
      ended = true
      if (retry !== undefined) clearTimeout(retry)
      unsubscribe()
    }
  }, [client, status, document, attempt])

  const previous = useRef<LiveState>(state)
  useEffect(() => {
    if (state === "live") {
      if (previous.current === "paused") latest.current.onResume?.()
      failures.current = 0
    }
    previous.current = state
  }, [state])
  return state
}

/** The page's line about live updates: nothing until the stream has answered, then live or paused, in words. */
export function LiveNotice({ state }: { readonly state: LiveState }) {
  if (state === "live") return <p className="live-status muted">Live: changes appear as they happen.</p>
  if (state === "paused")
    return (
      <p className="live-status notice" role="status">
        Live updates paused — reconnecting. Meanwhile the page refreshes every few seconds.
      </p>
    )
  return null
}
