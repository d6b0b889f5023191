/**
 * GraphQL subscriptions over server-sent events, as graphql-yoga serves them ("distinct connections" mode): each
 * subscription is a `POST /graphql` with `Accept: text/event-stream` and the session's bearer token (the same route,
 * and so the same authentication, as queries), whose body streams `event: next` blocks until `event: complete`.
 *
 * The state of each stream (connecting, live, paused) is kept in a `LiveStatus` per client, by operation key, so that
 * every component sharing one subscription (urql shares operations of one document) sees when it drops.
 */
import type { Client, ExecutionResult, Operation, SubscriptionForwarder } from "urql"

/** `connecting`: not yet answered; `live`: the stream is open; `paused`: it dropped (or was refused), retried soon. */
export type LiveState = "connecting" | "live" | "paused"

/** The state of each open subscription of one client, with listeners (for `useSyncExternalStore`). */
export class LiveStatus {
  private readonly states = new Map<number, LiveState>()
  private readonly listeners = new Set<() => void>()

  get(key: number): LiveState {
    return this.states.get(key) ?? "connecting"
  }

  set(key: number, state: LiveState): void {
    if (this.states.get(key) === state) return
    this.states.set(key, state)
    for (const listener of this.listeners) listener()
  }

  listen(listener: () => void): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }
}

const statuses = new WeakMap<Client, LiveStatus>()

/** The live status of a client's subscriptions; none for a client without the SSE transport (a test's mock). */
export const liveStatusOf = (client: Client): LiveStatus | undefined => statuses.get(client)

export const attachLiveStatus = (client: Client, status: LiveStatus): Client => {
  statuses.set(client, status)
  return client
}

interface SseEvent {
  readonly event: string
  readonly data: string
}

/** Splits a text stream into server-sent events (`event:` and `data:` lines, blank-line separated; `:` pings dropped). */
export const parseEvents = (buffer: string): { readonly events: ReadonlyArray<SseEvent>; readonly rest: string } => {
  const events: Array<SseEvent> = []
  const blocks = buffer.replaceAll("\r\n", "\n").split("\n\n")
  const rest = blocks.pop() ?? ""
  for (const block of blocks) {
    let event = "message"
    const data: Array<string> = []
    for (const line of block.split("\n")) {
      if (line.startsWith("event:")) event = line.slice(6).trim()
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""))
    }
    if (data.length > 0 || event !== "message") events.push({ event, data: data.join("\n") })
  }
  return { events, rest }
}

/** The stream ended without the server saying `complete`, or could not be opened. */
export class StreamDropped extends Error {}

/**
 * urql's `forwardSubscription` over SSE. `headers` is read at each (re)connection: the bearer token of the session.
 * A stream that ends, fails or is refused errors (urql delivers it as the result's `error`), and its key turns
 * `paused`; the hook subscribing decides when to try again.
 */
export const sseForwarder =
  (options: {
    readonly url: string
    readonly headers: () => Record<string, string>
    readonly status: LiveStatus
    readonly fetch?: typeof fetch
  }): SubscriptionForwarder =>
  (request: Parameters<SubscriptionForwarder>[0], operation: Operation) => ({
    subscribe: (sink) => {
      const abort = new AbortController()
      const key = operation.key
      const run = async () => {
        const response = await (options.fetch ?? fetch)(options.url, {
          method: "POST",
          credentials: "same-origin",
          headers: { ...options.headers(), "content-type": "application/json", accept: "text/event-stream" },
          body: JSON.stringify(request),
          signal: abort.signal
        })
        if (!response.ok || response.body === null) throw new StreamDropped(`HTTP ${response.status}`)
        options.status.set(key, "live")
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ""
        for (;;) {
          const { value, done } = await reader.read()
          if (done) throw new StreamDropped("the stream ended")
          const parsed = parseEvents(buffer + value)
          buffer = parsed.rest
          for (const { event, data } of parsed.events) {
            if (event === "next") sink.next(JSON.parse(data) as ExecutionResult)
            // Our subscriptions do not end: a `complete` is the server going away.
            else if (event === "complete") throw new StreamDropped("the server closed the stream")
          }
        }
      }
      run().catch((error: unknown) => {
        if (abort.signal.aborted) return
        options.status.set(key, "paused")
        sink.error(error instanceof Error ? error : new StreamDropped(String(error)))
      })
      return {
        unsubscribe: () => abort.abort()
      }
    }
  })
