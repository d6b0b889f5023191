/** Test helpers: a mock urql client answering by operation name (no network). */
import type { ReactNode } from "react"
import type { Client, GraphQLRequest } from "urql"
import { CombinedError, createRequest, Provider } from "urql"
import { vi } from "vitest"
import { fromValue, never, toPromise } from "wonka"
import type { MetaClientConfig } from "../connect/metaSdk.ts"
import type {
  AccountViewerFragment,
  ConnectionFieldsFragment,
  ConversationMessagesQuery,
  InboxConnectionFragment,
  MessageItemFieldsFragment,
  MetaAdsCardViewerFragment,
  MetaAdsFieldsFragment,
  WhatsAppCardViewerFragment
} from "../gql/graphql.ts"
import { makeClient } from "./client.ts"
import { attachLiveStatus, liveStatusOf } from "./sse.ts"

/** What a query sends for a fragment, seen unmasked (the answers below are plain data, as the API sends them). */
type Unmasked<Fragment> = Omit<Fragment, " $fragmentName" | " $fragmentRefs">

/** The viewer as the Integrations query selects it (every card's fragment of it). */
export type Viewer = Unmasked<AccountViewerFragment> &
  Unmasked<WhatsAppCardViewerFragment> &
  Unmasked<MetaAdsCardViewerFragment>
export type WhatsAppConnection = Unmasked<ConnectionFieldsFragment> & Unmasked<InboxConnectionFragment>
export type MetaAdsConnection = Unmasked<MetaAdsFieldsFragment>
/** A message as the ConversationMessages query selects it. */
export type Message = Unmasked<
  NonNullable<ConversationMessagesQuery["conversation"]>["messages"]["edges"][number]["node"]
> &
  Unmasked<MessageItemFieldsFragment>

export type Answer = (variables: Record<string, unknown>) => unknown

const operationName = (request: GraphQLRequest): string => {
  for (const definition of request.query.definitions) {
    if (definition.kind === "OperationDefinition") return definition.name?.value ?? ""
  }
  return ""
}

const REFUSAL = Symbol("GraphQL error")
interface Refusal {
  readonly [REFUSAL]: { readonly message: string; readonly extensions: { readonly code: string } }
}

/** An answer that is a GraphQL error (no data), as the API sends a refusal: `{ message, extensions: { code } }`. */
export const graphQLError = (message: string, code: string): Refusal => ({
  [REFUSAL]: { message, extensions: { code } }
})

const isRefusal = (value: unknown): value is Refusal => typeof value === "object" && value !== null && REFUSAL in value

/**
 * `answers[OperationName](variables)` gives `data` (or a `graphQLError(…)`); an operation without an answer never
 * resolves (loading).
 */
export const mockClient = (answers: Record<string, Answer>) => {
  const execute = vi.fn((request: GraphQLRequest) => {
    const answer = answers[operationName(request)]
    if (answer === undefined) return never
    const value = answer(request.variables as Record<string, unknown>)
    return isRefusal(value)
      ? fromValue({
          data: undefined,
          error: new CombinedError({ graphQLErrors: [value[REFUSAL]] }),
          stale: false,
          hasNext: false
        })
      : fromValue({ data: value, stale: false, hasNext: false })
  })
  const client = {
    executeQuery: execute,
    // `client.query(document, variables).toPromise()`, as a component asks for one more page.
    query: (query: Parameters<typeof createRequest>[0], variables: Record<string, unknown>) => ({
      toPromise: () => toPromise(execute(createRequest(query, variables)))
    }),
    executeMutation: execute,
    executeSubscription: vi.fn(() => never)
  } as unknown as Client
  /** The variables of each call of an operation. */
  const calls = (name: string) =>
    execute.mock.calls.filter(([request]) => operationName(request) === name).map(([request]) => request.variables)
  return { client, calls }
}

/** One server-sent-events response a subscription opened (see `liveClient`). */
export interface FakeStream {
  readonly headers: Headers
  readonly body: { readonly query: string }
  /** Sends `event: next` with `data`. */
  readonly push: (data: unknown) => void
  /** Ends the response (the connection dropped). */
  readonly drop: () => void
}

/**
 * `mockClient` whose subscriptions go through the real SSE transport (`makeClient`'s) to a fake `fetch`: each
 * subscription request opens a stream in `streams` (or, while `refuse` is set, gets that HTTP status).
 */
export const liveClient = (answers: Record<string, Answer>, token = "token-1") => {
  const mock = mockClient(answers)
  const streams: Array<FakeStream> = []
  const control = { refuse: null as number | null }
  const encoder = new TextEncoder()
  const fakeFetch = vi.fn(async (_url: RequestInfo | URL, init?: RequestInit) => {
    if (control.refuse !== null) return new Response("{}", { status: control.refuse })
    let controller: ReadableStreamDefaultController<Uint8Array> | undefined
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c
      }
    })
    // A ping first, as yoga sends: not an event.
    controller?.enqueue(encoder.encode(":\n\n"))
    streams.push({
      headers: new Headers(init?.headers),
      body: JSON.parse(String(init?.body)) as { query: string },
      push: (data) => controller?.enqueue(encoder.encode(`event: next\ndata: ${JSON.stringify({ data })}\n\n`)),
      drop: () => controller?.close()
    })
    return new Response(body, { status: 200, headers: { "content-type": "text/event-stream" } })
  })
  const real = makeClient(token, fakeFetch as typeof fetch)
  const client = mock.client as unknown as { executeSubscription: Client["executeSubscription"] }
  client.executeSubscription = (request, context) => real.executeSubscription(request, context)
  attachLiveStatus(mock.client, liveStatusOf(real)!)
  return { ...mock, streams, fetch: fakeFetch, control }
}

export const withClient = (client: Client, children: ReactNode) => <Provider value={client}>{children}</Provider>

export const member: Viewer = { tenantId: "t-1", role: "MEMBER", canOperate: false }
export const marketing: Viewer = { tenantId: "t-1", role: "MARKETING", canOperate: false }
export const admin: Viewer = { tenantId: "t-1", role: "ADMIN", canOperate: true }

export const notConnected: WhatsAppConnection = {
  id: null,
  status: "NOT_CONNECTED",
  connected: false,
  phoneNumberE164: null,
  displayName: null,
  wabaId: null,
  phoneNumberId: null,
  tokenExpiresAt: null,
  error: null,
  pendingReason: null,
  warning: null,
  displayNameStatus: null,
  updatedAt: null,
  // The health panel's own fields travel masked in the same object (HealthPanelFields, HealthChecksFields).
  health: { overall: "UNKNOWN", checkedAt: null, messagingHealthy: true, checks: [] } as WhatsAppConnection["health"],
  choices: []
}

export const active: WhatsAppConnection = {
  ...notConnected,
  id: "c-1",
  status: "ACTIVE",
  connected: true,
  phoneNumberE164: "+15550101234",
  displayName: "Sandbox Shop",
  wabaId: "1000000000000001",
  phoneNumberId: "2000000000000001",
  updatedAt: "2026-11-20T10:30:00.000Z"
}

export const message = (overrides: Partial<Message> & Pick<Message, "id">): Message => ({
  direction: "INBOUND",
  type: "text",
  text: "Hello",
  status: "RECEIVED",
  error: null,
  timestamp: "2026-11-20T10:31:00.000Z",
  providerMessageId: null,
  // The content fields travel masked in the same object (MessageContentFields).
  ...({ media: null, location: null, contacts: null, reply: null, reaction: null } as object),
  ...overrides
})

export const adsNotConnected: MetaAdsConnection = {
  id: null,
  status: "NOT_CONNECTED",
  connected: false,
  tokenExpiresAt: null,
  tokenExpiringSoon: false,
  tokenState: "NONE",
  dataAccessExpiresAt: null,
  error: null,
  pendingReason: null,
  updatedAt: null,
  // The health panel's own fields travel masked in the same object (HealthChecksFields).
  health: { overall: "UNKNOWN", checkedAt: null, messagingHealthy: true, checks: [] } as MetaAdsConnection["health"],
  selectedBusinessManagerId: null,
  selectedAdAccountId: null,
  user: null,
  unreadableBusinessManagers: [],
  businessManagers: []
}

/** The sandbox's seed: two businesses, three ad accounts (one of them disabled here, to show the note). */
export const adsPending: MetaAdsConnection = {
  ...adsNotConnected,
  id: "ads-1",
  status: "PENDING",
  pendingReason: "choose_ad_account",
  tokenExpiresAt: "2027-01-19T10:30:00.000Z",
  tokenState: "VALID",
  dataAccessExpiresAt: "2027-02-18T10:30:00.000Z",
  updatedAt: "2026-11-20T10:30:00.000Z",
  user: { id: "1000000000000099", name: "Sandbox User" },
  businessManagers: [
    {
      id: "b-1",
      name: "Sandbox Business",
      personal: false,
      adAccounts: [
        { id: "act_101", name: "Sandbox Ads (USD)", currency: "USD", accountStatus: "ACTIVE" },
        { id: "act_102", name: "Sandbox Ads (EUR)", currency: "EUR", accountStatus: "ACTIVE" }
      ]
    },
    {
      id: "b-2",
      name: "Sandbox Agency Client",
      personal: false,
      adAccounts: [{ id: "act_201", name: "Client Campaigns", currency: "GBP", accountStatus: "DISABLED" }]
    }
  ]
}

export const adsActive: MetaAdsConnection = {
  ...adsPending,
  status: "ACTIVE",
  connected: true,
  pendingReason: null,
  selectedBusinessManagerId: "b-1",
  selectedAdAccountId: "act_102"
}

/** Where Meta's Embedded Signup popup posts its messages from. */
export const META_ORIGIN = "https://www.facebook.com"

/** A client config of the JS SDK popup flow (the service hands the page its own). */
export const metaConfig: MetaClientConfig = {
  appId: "1234567890123456",
  configId: "998877",
  graphVersion: "v25.0",
  sdkUrl: "https://connect.facebook.net/en_US/sdk.js",
  messageOrigins: [META_ORIGIN, "https://web.facebook.com"]
}
