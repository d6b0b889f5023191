import { useCallback, useEffect, useRef, useState } from "react"
import { useClient, useMutation, useQuery } from "urql"
import type { ConversationsQuery as ConversationsPage } from "../gql/graphql.ts"
import { graphql } from "../gql/index.ts"
import { ConversationEventsLive, type LiveState, useLiveSubscription } from "../shared/LiveUpdates.tsx"
import { usePolling } from "../shared/usePolling.ts"

/** The page size of the conversation list, `first: 20` below (with the preview, unread count and number each, 25 would cost over the server's 500). */
export const CONVERSATIONS_PAGE = 20
/** How often the first page of conversations is refreshed while the page is visible. */
export const POLL_MS = 3000
/** How long typing pauses before the search is sent. */
export const SEARCH_DEBOUNCE_MS = 300

export const ConversationsQuery = graphql(`
  query Conversations($after: String, $search: String) {
    conversations(first: 20, after: $after, search: $search) {
      edges {
        cursor
        node {
          id
          waId
          contactName
          lastMessageAt
          windowClosesAt
          phoneNumberId
          displayPhoneNumber
          unreadCount
          lastMessage {
            direction
            preview
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
      numberCount
    }
  }
`)

const MarkConversationReadMutation = graphql(`
  mutation MarkConversationRead($id: ID!) {
    markConversationRead(id: $id) {
      __typename
      ... on MarkConversationReadSuccess {
        conversation {
          id
          unreadCount
        }
      }
    }
  }
`)

type Connection = ConversationsPage["conversations"]
export type ConversationEdge = Connection["edges"][number]
export type ConversationSummary = ConversationEdge["node"]

/** Each conversation once, in the order first seen (a fresher copy, earlier in the list, wins). */
const distinct = (edges: ReadonlyArray<ConversationEdge>): ReadonlyArray<ConversationEdge> => {
  const seen = new Set<string>()
  return edges.filter((edge) => {
    if (seen.has(edge.node.id)) return false
    seen.add(edge.node.id)
    return true
  })
}

interface Loaded {
  /** The search these pages answer ("" for the whole inbox). */
  readonly search: string
  /** The first page, then every page "Load more" added, merged. */
  readonly edges: ReadonlyArray<ConversationEdge>
  /** Where the next page starts, and whether there is one: the last page's, once more than one was loaded. */
  readonly endCursor: string | null
  readonly hasNextPage: boolean
  readonly pages: number
}

export interface Inbox {
  /** undefined until the first page of this search arrived. */
  readonly edges: ReadonlyArray<ConversationEdge> | undefined
  readonly hasNextPage: boolean
  readonly numberCount: number
  /** The first page failed (and nothing of this search is shown). */
  readonly error: boolean
  readonly retry: () => void
  /** The search the shown list answers, after the pause in typing. */
  readonly search: string
  readonly loadMore: () => void
  readonly more: "idle" | "loading" | "error"
  /** Refreshes the first page now (after a send). */
  readonly refresh: () => void
  /** Whether live updates arrive (else the first page is polled). */
  readonly live: LiveState
}

/** `value`, once it has stayed the same for `ms`. */
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value)
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms)
    return () => clearTimeout(timer)
  }, [value, ms])
  return settled
}

/**
 * The inbox, most recent activity first: the first page (refreshed on each live event, polled while they are paused, so new messages move their conversation to the
 * top) followed by the pages "Load more" fetched after the last cursor. A conversation that moved up is shown once,
 * where the fresher page put it; one pushed off the first page by new activity stays where it was.
 */
export function useInbox(searchText: string): Inbox {
  const search = useDebounced(searchText.trim(), SEARCH_DEBOUNCE_MS)
  const client = useClient()
  const [first, refetchFirst] = useQuery({
    query: ConversationsQuery,
    variables: { after: null, search: search === "" ? null : search },
    requestPolicy: "cache-and-network"
  })
  const refresh = useCallback(() => refetchFirst({ requestPolicy: "network-only" }), [refetchFirst])
  // Live events refresh the first page; polling takes over only while the stream is down.
  const live = useLiveSubscription(ConversationEventsLive, refresh, refresh)
  usePolling(refresh, POLL_MS, live !== "live")
  const [loaded, setLoaded] = useState<Loaded | null>(null)
  // A failed "Load more" belongs to its search: a new search starts from its first page.
  const [moreOf, setMoreOf] = useState<{ readonly search: string; readonly state: Inbox["more"] }>({
    search,
    state: "idle"
  })
  const more = moreOf.search === search ? moreOf.state : "idle"
  const setMore = useCallback((state: Inbox["more"]) => setMoreOf({ search, state }), [search])
  const [numberCount, setNumberCount] = useState(0)

  const page = first.data?.conversations
  // A failed first page stays failed until a page arrives (a refetch meanwhile does not clear it).
  const [failed, setFailed] = useState(false)
  const firstError = first.error !== undefined
  useEffect(() => {
    if (firstError) setFailed(true)
  }, [firstError])
  useEffect(() => {
    if (page === undefined) return
    setFailed(false)
    setNumberCount((count) => Math.max(count, page.numberCount))
    setLoaded((previous) => {
      if (previous === null || previous.search !== search || previous.pages === 1) {
        return { search, edges: page.edges, ...page.pageInfo, pages: 1 }
      }
      return { ...previous, edges: distinct([...page.edges, ...previous.edges]) }
    })
  }, [page, search])

  const current = loaded !== null && loaded.search === search ? loaded : null
  const loading = useRef(false)
  const loadMore = useCallback(() => {
    if (current === null || !current.hasNextPage || loading.current) return
    loading.current = true
    setMore("loading")
    void client
      .query(
        ConversationsQuery,
        { after: current.endCursor, search: search === "" ? null : search },
        { requestPolicy: "network-only" }
      )
      .toPromise()
      .then((result) => {
        loading.current = false
        const next = result.data?.conversations
        if (next === undefined) {
          setMore("error")
          return
        }
        setMore("idle")
        setNumberCount((count) => Math.max(count, next.numberCount))
        setLoaded((previous) =>
          previous === null || previous.search !== search
            ? previous
            : {
                search,
                edges: distinct([...previous.edges, ...next.edges]),
                ...next.pageInfo,
                pages: previous.pages + 1
              }
        )
      })
  }, [client, current, search, setMore])

  return {
    edges: current?.edges,
    hasNextPage: current?.hasNextPage ?? false,
    numberCount,
    error: current === null && failed,
    retry: refresh,
    search,
    loadMore,
    more,
    refresh,
    live
  }
}

/**
 * Marks the open conversation read whenever it shows unread messages (when it is opened, and when more arrive while
 * it is open). `unreadCount` of the open one reads 0 meanwhile.
 */
export function useMarkRead(conversation: ConversationSummary | null): void {
  const [, markRead] = useMutation(MarkConversationReadMutation)
  const asked = useRef<string | null>(null)
  const id = conversation?.id ?? null
  const unread = conversation?.unreadCount ?? 0
  useEffect(() => {
    if (id === null || unread === 0) {
      asked.current = null
      return
    }
    const key = `${id}:${unread}`
    if (asked.current === key) return
    asked.current = key
    void markRead({ id })
  }, [id, unread, markRead])
}
