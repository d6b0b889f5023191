import { createServer, type IncomingMessage } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, ManagedRuntime, Option, Redacted, Stream } from "effect"
import { HttpRouter, HttpServer } from "effect/http"
import { IpNetwork } from "effect/net"
import { getIntrospectionQuery } from "graphql"
import type { Actor } from "../../application/Actor.ts"
import { canOperate } from "../../application/Actor.ts"
import { AuditTrail } from "../../application/AuditTrail.ts"
import {
  NOT_CONNECTED as ADS_NOT_CONNECTED,
  MetaAdsConnections,
  type MetaAdsView
} from "../../application/ads/MetaAdsConnections.ts"
import {
  type ConnectionView,
  type ManualConnectInput,
  NOT_CONNECTED,
  WhatsAppConnections
} from "../../application/connect/WhatsAppConnections.ts"
import { ConnectionHealthChecks, healthView, NO_HEALTH } from "../../application/health/ConnectionHealthChecks.ts"
import { MetaAdsHealthChecks } from "../../application/health/MetaAdsHealthChecks.ts"
import { TestMessages } from "../../application/health/TestMessages.ts"
import { Conversations } from "../../application/messaging/Conversations.ts"
import { MediaFetcher } from "../../application/messaging/MediaFetcher.ts"
import { Messaging } from "../../application/messaging/Messaging.ts"
import { MediaSending } from "../../application/messaging/SendMedia.ts"
import { Templates } from "../../application/messaging/Templates.ts"
import { OperationLimits } from "../../application/OperationLimits.ts"
import { WebhookEndpoints } from "../../application/outbound/WebhookEndpoints.ts"
import { LiveEvents } from "../../application/ports/LiveEvents.ts"
import { encodeCursor } from "../../application/ports/Page.ts"
import { Conversation, type ConversationSummary } from "../../domain/Conversation.ts"
import {
  AdAccountNotGranted,
  ConversationNotFound,
  Forbidden,
  NotConnected,
  NumberAlreadyConnected,
  RegistrationPinMismatch
} from "../../domain/Errors.ts"
import { ConnectionId, ConversationId, PhoneNumberId, type Role, TenantId, UserId } from "../../domain/Ids.ts"
import { OUTBOUND_EVENT_TYPES } from "../../domain/OutboundEvent.ts"
import { Jwt } from "../http/Auth.ts"
import { JsonErrors } from "../http/ErrorMiddleware.ts"
import { makeMetaAdsRoutes } from "../http/MetaAdsRoutes.ts"
import { FastPaths, withFastPaths } from "../http/NodeFastPath.ts"
import { trustedProxiesMiddleware } from "../http/RequestContext.ts"
import { makeWhatsAppRoutes } from "../http/WhatsAppRoutes.ts"
import { type LogRecord, makeRecordLogger, RequestIdMiddleware } from "../observability/Logging.ts"
import { makeGraphqlRoute } from "./GraphqlRoute.ts"

const TENANT_EMPTY = TenantId.make("00000000-0000-4000-8000-000000000001")
const TENANT_ACTIVE = TenantId.make("00000000-0000-4000-8000-000000000002")
const TENANT_BROKEN = TenantId.make("00000000-0000-4000-8000-000000000003")
/** Its conversations never come: the list runs until it is interrupted. Its disconnect takes 100 ms. */
const TENANT_SLOW = TenantId.make("00000000-0000-4000-8000-000000000004")
/** Its conversation lists take 5 ms each, counted while in flight. */
const TENANT_BUSY = TenantId.make("00000000-0000-4000-8000-000000000005")
const inFlight = { now: 0, most: 0 }
/** Its inbox has three conversations; `messagesOf` records the ids it is asked for. */
const TENANT_INBOX = TenantId.make("00000000-0000-4000-8000-000000000006")
const INBOX_IDS = [0, 1, 2].map((index) => ConversationId.make(`00000000-0000-4000-8000-00000000010${index}`))
const inboxSummary = (id: ConversationId): ConversationSummary => ({
  ...new Conversation({
    id,
    tenantId: TENANT_INBOX,
    connectionId: ConnectionId.make("00000000-0000-4000-8000-000000000200"),
    phoneNumberId: PhoneNumberId.make("109000000000009"),
    waId: `1555000000${id.at(-1)}`,
    contactName: null,
    lastMessageAt: null,
    lastInboundAt: null,
    lastReadAt: null,
    createdAt: new Date("2026-01-01T00:00:00.000Z"),
    updatedAt: new Date("2026-01-01T00:00:00.000Z")
  }),
  lastMessage: null,
  unreadCount: 0,
  displayPhoneNumber: null,
  numberCount: 1
})
const messagesOfCalls: Array<ReadonlyArray<string>> = []
const TAKEN_NUMBER = "109000000000001"
const PASTED_TOKEN = `EAA${"Z".repeat(120)}`

const ACTIVE: ConnectionView = {
  id: "5f0c1a3e-0000-4000-8000-00000000000a",
  status: "active",
  connected: true,
  phoneNumberE164: "+15551234567",
  displayName: "Acme Support",
  wabaId: "102000000000001",
  phoneNumberId: "109000000000009",
  tokenExpiresAt: new Date("2030-01-02T03:04:05.000Z"),
  error: null,
  pendingReason: null,
  choices: [],
  warning: null,
  displayNameStatus: null,
  updatedAt: new Date("2025-06-01T12:00:00.000Z")
}

/** A stub of the use cases: fixed answers by tenant and input, every call recorded. */
const calls: Array<{ readonly method: string; readonly actor: Actor; readonly input?: unknown }> = []
const record = (method: string, actor: Actor, input?: unknown) =>
  Effect.sync(() => void calls.push(input === undefined ? { method, actor } : { method, actor, input }))

const StubConnections = Layer.succeed(
  WhatsAppConnections,
  WhatsAppConnections.of({
    start: (actor) =>
      record("start", actor).pipe(
        Effect.as({
          authUrl: "https://www.facebook.com/v24.0/dialog/oauth?state=nonce-1",
          state: "nonce-1",
          browserBinding: "b1nd"
        })
      ),
    complete: () => Effect.die("complete is the HTTP callback's"),
    status: (actor) =>
      record("status", actor).pipe(
        Effect.andThen(
          actor.tenantId === TENANT_ACTIVE
            ? Effect.succeed(ACTIVE)
            : actor.tenantId === TENANT_BROKEN
              ? Effect.die(new Error("connection pool exhausted at db-7.internal"))
              : Effect.succeed(NOT_CONNECTED)
        )
      ),
    chooseNumber: (actor, phoneNumberId) =>
      record("chooseNumber", actor, phoneNumberId).pipe(
        Effect.andThen(
          phoneNumberId === TAKEN_NUMBER
            ? Effect.fail(new NumberAlreadyConnected({ phoneNumberId }))
            : Effect.succeed({ ...ACTIVE, phoneNumberId })
        )
      ),
    disconnect: (actor) =>
      record("disconnect", actor).pipe(
        Effect.andThen(actor.tenantId === TENANT_SLOW ? Effect.sleep("100 millis") : Effect.void),
        Effect.as({ ...ACTIVE, status: "revoked" as const, connected: false, tokenExpiresAt: null })
      ),
    connectManually: (actor, input) =>
      Effect.gen(function* () {
        yield* record("connectManually", actor, input)
        if (actor.role !== "admin") return yield* new Forbidden({ action: "connect WhatsApp manually" })
        if (input.phoneNumberId === TAKEN_NUMBER) {
          return yield* new NumberAlreadyConnected({ phoneNumberId: input.phoneNumberId })
        }
        return { ...ACTIVE, wabaId: input.wabaId, phoneNumberId: input.phoneNumberId }
      }),
    // The PIN is never recorded: only whether one was given.
    register: (actor, pin) =>
      record("register", actor, { pin: pin === null ? null : "given" }).pipe(
        Effect.andThen(
          pin !== null && Redacted.value(pin) === "111111"
            ? Effect.fail(new RegistrationPinMismatch({}))
            : Effect.succeed(ACTIVE)
        )
      )
  })
)

const jwt = Jwt.make(Redacted.make("x".repeat(32)))
/** The conversations and sending services answer with nothing here; their own tests cover them. */
const StubConversations = Layer.succeed(
  Conversations,
  Conversations.of({
    list: (actor) =>
      actor.tenantId === TENANT_SLOW
        ? Effect.never.pipe(Effect.onInterrupt(() => record("list.interrupted", actor)))
        : actor.tenantId === TENANT_BUSY
          ? Effect.acquireUseRelease(
              Effect.sync(() => {
                inFlight.now++
                inFlight.most = Math.max(inFlight.most, inFlight.now)
              }),
              () => Effect.sleep("5 millis").pipe(Effect.as({ items: [], hasNextPage: false, endCursor: null })),
              () => Effect.sync(() => void inFlight.now--)
            )
          : actor.tenantId === TENANT_INBOX
            ? Effect.succeed({
                items: INBOX_IDS.map((id) => ({ cursor: id, node: inboxSummary(id) })),
                hasNextPage: false,
                endCursor: null
              })
            : Effect.succeed({ items: [], hasNextPage: false, endCursor: null }),
    find: () => Effect.fail(new ConversationNotFound({})),
    markRead: () => Effect.fail(new ConversationNotFound({})),
    messagesOf: (_actor, ids) =>
      Effect.sync(() => {
        messagesOfCalls.push(ids)
        return ids.map(() => Option.some({ items: [], hasNextPage: false, endCursor: null }))
      })
  })
)
const StubMessaging = Layer.succeed(
  Messaging,
  Messaging.of({
    sendText: () => Effect.fail(new NotConnected({ status: "not_connected" })),
    sendTemplate: () => Effect.fail(new NotConnected({ status: "not_connected" }))
  })
)
const ADS_PENDING: MetaAdsView = {
  ...ADS_NOT_CONNECTED,
  id: "5f0c1a3e-0000-4000-8000-00000000000b",
  status: "pending",
  tokenExpiresAt: new Date("2030-03-01T00:00:00.000Z"),
  pendingReason: "choose_ad_account",
  updatedAt: new Date("2025-06-01T12:00:00.000Z"),
  tokenState: "valid",
  businessManagers: [
    {
      id: "700000000000001",
      name: "Acme Business",
      personal: false,
      adAccounts: [{ id: "act_800000000000001", name: "Acme (USD)", currency: "USD", accountStatus: "active" }]
    }
  ],
  user: { id: "100000000000042", name: "Dana" }
}
const manages = (actor: Actor) => actor.role === "admin" || actor.role === "marketing"
/** A stub of the ads use cases, with their role rules: GraphQL only maps them. */
const StubMetaAds = Layer.succeed(
  MetaAdsConnections,
  MetaAdsConnections.of({
    start: (actor) =>
      record("ads.start", actor).pipe(
        Effect.andThen(
          manages(actor)
            ? Effect.succeed({
                authUrl: "https://www.facebook.com/v24.0/dialog/oauth?state=ads-1",
                state: "ads-1",
                browserBinding: "adsb1nd"
              })
            : Effect.fail(new Forbidden({ action: "connect Meta Ads" }))
        )
      ),
    complete: () => Effect.die("complete is the HTTP callback's"),
    status: (actor) =>
      record("ads.status", actor).pipe(Effect.as(actor.tenantId === TENANT_ACTIVE ? ADS_PENDING : ADS_NOT_CONNECTED)),
    selectAdAccount: (actor, input) =>
      Effect.gen(function* () {
        yield* record("ads.select", actor, input)
        if (!manages(actor)) return yield* new Forbidden({ action: "choose the Meta ad account" })
        if (input.adAccountId !== "act_800000000000001") return yield* new AdAccountNotGranted(input)
        return {
          ...ADS_PENDING,
          status: "active" as const,
          connected: true,
          pendingReason: null,
          selectedBusinessManagerId: input.businessManagerId,
          selectedAdAccountId: input.adAccountId
        }
      }),
    disconnect: (actor) =>
      record("ads.disconnect", actor).pipe(
        Effect.andThen(
          manages(actor)
            ? Effect.succeed({ ...ADS_PENDING, status: "revoked" as const, businessManagers: [], tokenExpiresAt: null })
            : Effect.fail(new Forbidden({ action: "disconnect Meta Ads" }))
        )
      ),
    testConnection: (actor) =>
      record("ads.test", actor).pipe(
        Effect.as({
          ok: true,
          checks: [],
          user: { id: "100000000000042", name: "Dana" },
          tokenExpiresAt: new Date("2030-03-01T00:00:00.000Z"),
          adAccountCount: 1,
          error: null
        })
      ),
    renewTokens: Effect.succeed({ checked: 0, renewed: 0, failed: 0, deferred: 0 }),
    tokenDebug: (actor) =>
      record("ads.tokenDebug", actor).pipe(
        Effect.andThen(
          actor.role === "admin"
            ? Effect.succeed({
                isValid: true,
                expiresAt: new Date("2030-03-01T00:00:00.000Z"),
                scopes: ["ads_management", "ads_read", "business_management"],
                error: null
              })
            : Effect.fail(new Forbidden({ action: "inspect the Meta Ads token" }))
        )
      )
  })
)
const StubAuditTrail = Layer.succeed(
  AuditTrail,
  AuditTrail.of({
    list: (actor) =>
      canOperate(actor)
        ? Effect.succeed({ items: [], hasNextPage: false, endCursor: null })
        : Effect.fail(new Forbidden({ action: "read the audit log" }))
  })
)
/** Health: TENANT_EMPTY has no connection; any other tenant's stored checks say the WABA lost its subscription. */
const STUB_HEALTH = healthView(
  "11111111-1111-4111-8111-111111111111" as never,
  [
    { name: "token", status: "ok", message: "The token is valid.", checkedAt: new Date("2025-06-01T12:00:00.000Z") },
    {
      name: "waba_subscription",
      status: "failing",
      message: "This app is not subscribed to the WhatsApp Business Account.",
      checkedAt: new Date("2025-06-01T12:00:00.000Z")
    }
  ],
  null
)
const StubHealth = Layer.succeed(
  ConnectionHealthChecks,
  ConnectionHealthChecks.of({
    run: () => Effect.die("not used"),
    checkNow: (actor) =>
      record("health.checkNow", actor).pipe(Effect.as(actor.tenantId === TENANT_EMPTY ? NO_HEALTH : STUB_HEALTH)),
    read: (actor) => Effect.succeed(actor.tenantId === TENANT_EMPTY ? NO_HEALTH : STUB_HEALTH),
    due: Effect.succeed([])
  })
)

const StubAdsHealth = Layer.succeed(
  MetaAdsHealthChecks,
  MetaAdsHealthChecks.of({
    run: () => Effect.die("not used"),
    checkNow: (actor) => record("adsHealth.checkNow", actor).pipe(Effect.as(NO_HEALTH)),
    read: () => Effect.succeed(NO_HEALTH),
    due: Effect.succeed([])
  })
)

const StubTestMessages = Layer.succeed(
  TestMessages,
  TestMessages.of({
    send: (actor) => record("tests.send", actor).pipe(Effect.as(STUB_HEALTH))
  })
)

/** No message of the stubs has media. */
const StubMedia = Layer.succeed(
  MediaFetcher,
  MediaFetcher.of({
    drain: Effect.succeed(0),
    read: () => Effect.succeed({ _tag: "NotFound" as const }),
    forMessages: () => Effect.succeed([])
  })
)

const StubMediaSending = Layer.succeed(MediaSending, MediaSending.of({ sendMedia: () => Effect.die("not used") }))

/** Webhook endpoints are exercised through the real service (test/outbound-webhooks.test.ts). */
const StubWebhookEndpoints = Layer.succeed(
  WebhookEndpoints,
  WebhookEndpoints.of({
    create: () => Effect.die("not used"),
    list: () => Effect.succeed([]),
    update: () => Effect.die("not used"),
    setEnabled: () => Effect.die("not used"),
    remove: () => Effect.die("not used"),
    rotateSecret: () => Effect.die("not used"),
    sendTestEvent: () => Effect.die("not used"),
    deliveries: () => Effect.succeed([]),
    retryNow: () => Effect.die("not used"),
    replay: () => Effect.die("not used")
  })
)

/** Templates are exercised through the real service (test/templates.test.ts). */
const StubTemplates = Layer.succeed(
  Templates,
  Templates.of({
    list: () => Effect.succeed({ wabaId: null, templates: [] }),
    sync: () => Effect.die("not used"),
    syncConnection: () => Effect.die("not used"),
    create: () => Effect.die("not used"),
    remove: () => Effect.die("not used"),
    applyWebhook: () => Effect.die("not used"),
    due: Effect.succeed([])
  })
)

/** Live events are exercised through the real service (test/live-updates.test.ts). */
const StubLiveEvents = Layer.succeed(
  LiveEvents,
  LiveEvents.of({ publish: () => Effect.void, subscribe: () => Effect.succeed(Stream.empty) })
)

const Services = Layer.mergeAll(
  StubLiveEvents,
  StubHealth,
  StubAdsHealth,
  StubTestMessages,
  StubMedia,
  StubMediaSending,
  StubWebhookEndpoints,
  StubTemplates,
  StubAuditTrail,
  StubConnections,
  StubMetaAds,
  StubConversations,
  StubMessaging,
  OperationLimits.layerMemory,
  Layer.succeed(Jwt, jwt)
)

const app = HttpRouter.toWebHandler(
  makeGraphqlRoute({ graphiql: false, introspection: true }).pipe(Layer.provide(Services)),
  {
    disableLogger: true
  }
)
const withGraphiql = HttpRouter.toWebHandler(
  makeGraphqlRoute({ graphiql: true, introspection: true }).pipe(Layer.provide(Services)),
  {
    disableLogger: true
  }
)
/** Production mode, with small time and size limits to reach them. */
const production = HttpRouter.toWebHandler(
  makeGraphqlRoute({ graphiql: false, introspection: false, maxExecutionMs: 50, maxResponseBytes: 16_384 }).pipe(
    Layer.provide(Services)
  ),
  { disableLogger: true }
)
/** GraphQL beside the REST routes, over one set of services: one limiter for both edges. */
const bothEdges = HttpRouter.toWebHandler(
  Layer.mergeAll(
    makeGraphqlRoute({ graphiql: false, introspection: false }),
    makeWhatsAppRoutes({ appBaseUrl: "http://localhost" }),
    makeMetaAdsRoutes({ appBaseUrl: "http://localhost" })
  ).pipe(Layer.provide(Services)),
  { disableLogger: true }
)
afterAll(async () => {
  await app.dispose()
  await withGraphiql.dispose()
  await production.dispose()
  await bothEdges.dispose()
})

/** A tenant of its own, so that no other test spends its limits. */
const freshTenant = () => TenantId.make(crypto.randomUUID())

const tokenFor = (tenantId: TenantId, role: Role, flags?: ReadonlyArray<string>) =>
  Effect.runSync(
    jwt.sign({ sub: UserId.make(`user-${role}`), tenant_id: tenantId, role, ...(flags ? { flags } : {}) }, 3600)
  )

interface GraphqlBody {
  readonly data?: Record<string, unknown> | null
  readonly errors?: ReadonlyArray<{
    readonly message: string
    readonly path?: ReadonlyArray<string | number>
    readonly extensions?: Record<string, unknown>
  }>
}

const post = async (
  query: string,
  options: {
    readonly token?: string | null
    readonly variables?: Record<string, unknown>
    readonly url?: string
    readonly headers?: Record<string, string>
    readonly to?: { readonly handler: (request: Request) => Promise<Response> }
  } = {}
) => {
  const token = options.token === undefined ? tokenFor(TENANT_EMPTY, "admin") : options.token
  const response = await (options.to ?? app).handler(
    new Request(options.url ?? "http://localhost/graphql", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...options.headers
      },
      body: JSON.stringify({ query, variables: options.variables ?? {} })
    })
  )
  const text = await response.text()
  return { response, text, body: JSON.parse(text) as GraphqlBody }
}

const CONNECTION_FIELDS = `id status connected phoneNumberE164 displayName wabaId phoneNumberId tokenExpiresAt error
  pendingReason choices { id displayPhoneNumber verifiedName } updatedAt`

const MANUAL = `mutation Manual($input: ManualConnectInput!) {
  connectWhatsAppManually(input: $input) {
    __typename
    ... on ConnectWhatsAppManuallySuccess { connection { status wabaId phoneNumberId } }
    ... on Error { message }
  }
}`

/** An input with a misspelt field: coercing the variables fails (with a suggestion, where they are on). */
const SELECT_TYPO = "mutation ($input: SelectAdAccountInput!) { selectMetaAdAccount(input: $input) { status } }"
const SELECT_TYPO_VARIABLES = { input: { businessManagerId: "700000000000001", adAccountI: "act_1" } }

describe("GraphqlRoute", () => {
  it("shows the stored health checks and runs them with checkWhatsAppConnection, rate-limited per tenant", async () => {
    const tenant = freshTenant()
    const token = tokenFor(tenant, "member")
    const read = await post(
      "{ whatsappConnection { health { overall messagingHealthy checkedAt checks { name status message checkedAt } } } }",
      { token }
    )
    const health = (read.body.data!["whatsappConnection"] as { health: Record<string, unknown> }).health
    assert.strictEqual(health["overall"], "FAILING")
    assert.strictEqual(health["messagingHealthy"], false)
    assert.strictEqual(health["checkedAt"], "2025-06-01T12:00:00.000Z")
    assert.deepStrictEqual(
      (health["checks"] as Array<{ name: string }>).map((c) => c.name),
      ["token", "waba_subscription"]
    )
    const empty = await post("{ whatsappConnection { health { overall checks { name } } } }")
    assert.deepStrictEqual(empty.body.data, { whatsappConnection: { health: { overall: "UNKNOWN", checks: [] } } })

    const before = calls.filter((c) => c.method === "health.checkNow" && c.actor.tenantId === tenant).length
    const checked = await post("mutation { checkWhatsAppConnection { status health { overall } } }", { token })
    assert.deepStrictEqual(checked.body.errors, undefined)
    assert.strictEqual(
      calls.filter((c) => c.method === "health.checkNow" && c.actor.tenantId === tenant).length,
      before + 1
    )
    for (let i = 1; i < 6; i++) await post("mutation { checkWhatsAppConnection { status } }", { token })
    const refused = await post("mutation { checkWhatsAppConnection { status } }", { token })
    assert.strictEqual(refused.body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")
    assert.strictEqual(
      calls.filter((c) => c.method === "health.checkNow" && c.actor.tenantId === tenant).length,
      before + 6
    )
  })

  it("reads the messages of a page of conversations in one batch (not one call per conversation)", async () => {
    messagesOfCalls.length = 0
    const { body } = await post(
      "{ conversations(first: 20) { edges { node { id messages(first: 5) { edges { cursor } } } } } }",
      { token: tokenFor(TENANT_INBOX, "member") }
    )
    assert.isUndefined(body.errors)
    const page = body.data?.["conversations"] as { edges: Array<unknown> } | undefined
    assert.strictEqual(page?.edges.length, 3)
    assert.deepStrictEqual(messagesOfCalls, [INBOX_IDS])
  })

  it("answers 401 in the JSON error shape without a bearer token, before yoga runs", async () => {
    const { response, body } = await post("{ viewer { userId } }", { token: null })
    assert.strictEqual(response.status, 401)
    assert.deepStrictEqual((body as unknown as { error: { code: string } }).error.code, "unauthenticated")
  })

  it("answers 401 for a token that does not verify", async () => {
    const forged = `${tokenFor(TENANT_EMPTY, "admin").slice(0, -4)}AAAA`
    const { response, text } = await post("{ viewer { userId } }", { token: forged })
    assert.strictEqual(response.status, 401)
    assert.include(text, '"code":"unauthenticated"')
    const garbage = await post("{ viewer { userId } }", { token: "not-a-jwt" })
    assert.strictEqual(garbage.response.status, 401)
  })

  it("resolves the viewer from the token", async () => {
    const admin = await post("{ viewer { userId tenantId role canOperate } }")
    assert.deepStrictEqual(admin.body.data, {
      viewer: { userId: "user-admin", tenantId: TENANT_EMPTY, role: "ADMIN", canOperate: true }
    })
    const member = await post("{ viewer { role canOperate } }", { token: tokenFor(TENANT_EMPTY, "member") })
    assert.deepStrictEqual(member.body.data, { viewer: { role: "MEMBER", canOperate: false } })
    const debug = await post("{ viewer { canOperate } }", {
      token: tokenFor(TENANT_EMPTY, "marketing", ["integration_debug"])
    })
    assert.deepStrictEqual(debug.body.data, { viewer: { canOperate: true } })
  })

  it("lists the webhook event types from the domain's list, for any role (the web app's choices)", async () => {
    const { body } = await post("{ webhookEventTypes }", { token: tokenFor(TENANT_EMPTY, "member") })
    assert.deepStrictEqual(body.data, { webhookEventTypes: [...OUTBOUND_EVENT_TYPES] })
  })

  it("maps no connection to NOT_CONNECTED", async () => {
    const { body } = await post(`{ whatsappConnection { ${CONNECTION_FIELDS} } }`)
    assert.deepStrictEqual(body.data, {
      whatsappConnection: {
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
        choices: [],
        updatedAt: null
      }
    })
  })

  it("maps an active connection, dates as ISO strings", async () => {
    const { body } = await post(`{ whatsappConnection { ${CONNECTION_FIELDS} } }`, {
      token: tokenFor(TENANT_ACTIVE, "member")
    })
    assert.deepStrictEqual(body.data, {
      whatsappConnection: {
        id: ACTIVE.id,
        status: "ACTIVE",
        connected: true,
        phoneNumberE164: "+15551234567",
        displayName: "Acme Support",
        wabaId: "102000000000001",
        phoneNumberId: "109000000000009",
        tokenExpiresAt: "2030-01-02T03:04:05.000Z",
        error: null,
        pendingReason: null,
        choices: [],
        updatedAt: "2025-06-01T12:00:00.000Z"
      }
    })
  })

  it("builds the actor with the user agent, never with an X-Forwarded-For from an untrusted peer", async () => {
    calls.length = 0
    await post("{ whatsappConnection { status } }", {
      headers: { "x-forwarded-for": "203.0.113.7, 10.0.0.1", "user-agent": "vitest-agent" }
    })
    const call = calls.find((c) => c.method === "status")
    // No trusted proxy in front (TRUSTED_PROXIES unset): the header is the client's own claim.
    assert.strictEqual(call?.actor.ip, null)
    assert.strictEqual(call?.actor.userAgent, "vitest-agent")
    assert.strictEqual(call?.actor.tenantId, TENANT_EMPTY)
  })

  it("starts a connection and binds the state to this browser with a cookie", async () => {
    const { body, response } = await post("mutation { startWhatsAppConnect { authUrl state } }")
    assert.deepStrictEqual(body.data, {
      startWhatsAppConnect: { authUrl: "https://www.facebook.com/v24.0/dialog/oauth?state=nonce-1", state: "nonce-1" }
    })
    const cookies = response.headers.getSetCookie()
    // The callback's binding, and the same binding for the popup flow's completion on its own path.
    assert.strictEqual(cookies.length, 2)
    // Each started flow has its own binding: the cookie name carries the start of the state.
    assert.match(cookies[1]!, /^meta_oauth_wap_nonce-1=b1nd;/)
    assert.match(cookies[1]!, /; HttpOnly/i)
    assert.match(cookies[1]!, /; Path=\/api\/integrations\/meta\/whatsapp\/complete/)
    const cookie = cookies[0]!
    assert.match(cookie, /^meta_oauth_wa_nonce-1=b1nd;/)
    assert.match(cookie, /; HttpOnly/i)
    assert.match(cookie, /; SameSite=Lax/i)
    assert.match(cookie, /; Path=\/api\/integrations\/meta\/whatsapp\/callback/)
    assert.match(cookie, /; Max-Age=600/)
    assert.notMatch(cookie, /Secure/i)
  })

  // Behind a trusted load balancer the request's protocol is https (RequestContext.test.ts shows the proxy rule);
  // a client's own X-Forwarded-Proto does not count.
  it("marks the cookie Secure over https, and not for a client's own X-Forwarded-Proto", async () => {
    const direct = await post("mutation { startWhatsAppConnect { state } }", { url: "https://app.example/graphql" })
    assert.match(direct.response.headers.getSetCookie()[0]!, /; Secure/i)
    const spoofed = await post("mutation { startWhatsAppConnect { state } }", {
      headers: { "x-forwarded-proto": "https" }
    })
    assert.notMatch(spoofed.response.headers.getSetCookie()[0]!, /; Secure/i)
  })

  it("sets no cookie on other operations", async () => {
    const { response } = await post("{ viewer { userId } }")
    assert.deepStrictEqual(response.headers.getSetCookie(), [])
  })

  it("sends no CORS headers to another origin", async () => {
    const { response } = await post("{ viewer { userId } }", { headers: { origin: "https://evil.example" } })
    assert.isNull(response.headers.get("access-control-allow-origin"))
    assert.isNull(response.headers.get("access-control-allow-credentials"))
  })

  it("disconnects", async () => {
    const { body } = await post("mutation { disconnectWhatsApp { status connected tokenExpiresAt } }")
    assert.deepStrictEqual(body.data, {
      disconnectWhatsApp: { status: "REVOKED", connected: false, tokenExpiresAt: null }
    })
  })

  it("connects manually, handing the token over redacted and never echoing it", async () => {
    calls.length = 0
    const { body, text } = await post(MANUAL, {
      variables: { input: { wabaId: "102000000000777", phoneNumberId: "109000000000777", accessToken: PASTED_TOKEN } }
    })
    assert.deepStrictEqual(body.data, {
      connectWhatsAppManually: {
        __typename: "ConnectWhatsAppManuallySuccess",
        connection: { status: "ACTIVE", wabaId: "102000000000777", phoneNumberId: "109000000000777" }
      }
    })
    assert.notInclude(text, PASTED_TOKEN)
    const input = calls.find((c) => c.method === "connectManually")?.input as ManualConnectInput
    assert.isTrue(Redacted.isRedacted(input.accessToken))
    assert.strictEqual(Redacted.value(input.accessToken), PASTED_TOKEN)
    assert.notInclude(String(input.accessToken), PASTED_TOKEN)
  })

  it("answers ForbiddenError to a member who tries to connect manually", async () => {
    const { body } = await post(MANUAL, {
      token: tokenFor(TENANT_EMPTY, "member"),
      variables: { input: { wabaId: "102000000000777", phoneNumberId: "109000000000777", accessToken: PASTED_TOKEN } }
    })
    assert.deepStrictEqual(body.data, {
      connectWhatsAppManually: {
        __typename: "ForbiddenError",
        message: "You are not allowed to connect WhatsApp manually."
      }
    })
  })

  it("answers NumberAlreadyConnectedError when another workspace holds the number", async () => {
    const { body } = await post(MANUAL, {
      variables: { input: { wabaId: "102000000000777", phoneNumberId: TAKEN_NUMBER, accessToken: PASTED_TOKEN } }
    })
    assert.deepStrictEqual(body.data, {
      connectWhatsAppManually: {
        __typename: "NumberAlreadyConnectedError",
        message: "This number is already connected to another workspace."
      }
    })
  })

  it("rejects malformed Meta ids as bad input, without calling the use case", async () => {
    calls.length = 0
    const { body } = await post(MANUAL, {
      variables: { input: { wabaId: "not-a-number", phoneNumberId: "109000000000777", accessToken: PASTED_TOKEN } }
    })
    assert.strictEqual(body.errors?.[0]?.message, "wabaId must be a numeric Meta id.")
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT")
    assert.isUndefined(calls.find((c) => c.method === "connectManually"))
  })

  it("chooses a number, and answers a typed error when it is taken", async () => {
    const query = `mutation Choose($id: String!) {
      chooseWhatsAppNumber(phoneNumberId: $id) {
        __typename
        ... on ChooseWhatsAppNumberSuccess { connection { status phoneNumberId } }
        ... on NumberAlreadyConnectedError { message phoneNumberId }
      }
    }`
    const chosen = await post(query, { variables: { id: "109000000000123" } })
    assert.deepStrictEqual(chosen.body.data, {
      chooseWhatsAppNumber: {
        __typename: "ChooseWhatsAppNumberSuccess",
        connection: { status: "ACTIVE", phoneNumberId: "109000000000123" }
      }
    })
    const taken = await post(query, { variables: { id: TAKEN_NUMBER } })
    assert.deepStrictEqual(taken.body.data, {
      chooseWhatsAppNumber: {
        __typename: "NumberAlreadyConnectedError",
        message: "This number is already connected to another workspace.",
        phoneNumberId: TAKEN_NUMBER
      }
    })
  })

  it("maps the Meta Ads connection with its Business Managers", async () => {
    const { body } = await post(
      `{ metaAdsConnection { id status connected tokenExpiresAt tokenExpiringSoon error
      updatedAt pendingReason selectedBusinessManagerId selectedAdAccountId
      businessManagers { id name adAccounts { id name currency accountStatus } } user { id name } } }`,
      {
        token: tokenFor(TENANT_ACTIVE, "member")
      }
    )
    assert.deepStrictEqual(body.data, {
      metaAdsConnection: {
        id: ADS_PENDING.id,
        status: "PENDING",
        connected: false,
        tokenExpiresAt: "2030-03-01T00:00:00.000Z",
        tokenExpiringSoon: false,
        error: null,
        updatedAt: "2025-06-01T12:00:00.000Z",
        pendingReason: "choose_ad_account",
        selectedBusinessManagerId: null,
        selectedAdAccountId: null,
        businessManagers: [
          {
            id: "700000000000001",
            name: "Acme Business",
            adAccounts: [{ id: "act_800000000000001", name: "Acme (USD)", currency: "USD", accountStatus: "ACTIVE" }]
          }
        ],
        user: { id: "100000000000042", name: "Dana" }
      }
    })
    const none = await post("{ metaAdsConnection { status connected businessManagers { id } } }")
    assert.deepStrictEqual(none.body.data, {
      metaAdsConnection: { status: "NOT_CONNECTED", connected: false, businessManagers: [] }
    })
  })

  it("starts the Meta Ads login with the ads cookie; a member gets a FORBIDDEN error", async () => {
    const { body, response } = await post("mutation { startMetaAdsConnect { authUrl state } }", {
      token: tokenFor(TENANT_EMPTY, "marketing")
    })
    assert.deepStrictEqual(body.data, {
      startMetaAdsConnect: { authUrl: "https://www.facebook.com/v24.0/dialog/oauth?state=ads-1", state: "ads-1" }
    })
    const cookie = response.headers.getSetCookie()[0]!
    assert.match(cookie, /^meta_oauth_ads_ads-1=adsb1nd;/)
    assert.match(cookie, /; HttpOnly/i)
    assert.match(cookie, /; Path=\/api\/integrations\/meta\/ads\/callback/)
    const member = await post("mutation { startMetaAdsConnect { state } }", { token: tokenFor(TENANT_EMPTY, "member") })
    assert.isNull(member.body.data)
    assert.strictEqual(member.body.errors?.[0]?.message, "You are not allowed to connect Meta Ads.")
    assert.strictEqual(member.body.errors?.[0]?.extensions?.["code"], "FORBIDDEN")
    assert.deepStrictEqual(member.response.headers.getSetCookie(), [])
  })

  it("selects an ad account; one the login did not share is AD_ACCOUNT_NOT_GRANTED", async () => {
    const query = `mutation Select($input: SelectAdAccountInput!) {
      selectMetaAdAccount(input: $input) { status connected selectedBusinessManagerId selectedAdAccountId }
    }`
    const chosen = await post(query, {
      variables: { input: { businessManagerId: "700000000000001", adAccountId: "act_800000000000001" } }
    })
    assert.deepStrictEqual(chosen.body.data, {
      selectMetaAdAccount: {
        status: "ACTIVE",
        connected: true,
        selectedBusinessManagerId: "700000000000001",
        selectedAdAccountId: "act_800000000000001"
      }
    })
    const wrong = await post(query, {
      variables: { input: { businessManagerId: "700000000000001", adAccountId: "act_1" } }
    })
    assert.strictEqual(wrong.body.errors?.[0]?.extensions?.["code"], "AD_ACCOUNT_NOT_GRANTED")
    assert.include(wrong.body.errors?.[0]?.message ?? "", "act_1")
  })

  it("tests and disconnects Meta Ads", async () => {
    const tested = await post(
      "mutation { testMetaAdsConnection { ok user { id name } tokenExpiresAt adAccountCount error } }",
      { token: tokenFor(TENANT_EMPTY, "member") }
    )
    assert.deepStrictEqual(tested.body.data, {
      testMetaAdsConnection: {
        ok: true,
        user: { id: "100000000000042", name: "Dana" },
        tokenExpiresAt: "2030-03-01T00:00:00.000Z",
        adAccountCount: 1,
        error: null
      }
    })
    const disconnected = await post("mutation { disconnectMetaAds { status connected businessManagers { id } } }")
    assert.deepStrictEqual(disconnected.body.data, {
      disconnectMetaAds: { status: "REVOKED", connected: false, businessManagers: [] }
    })
    const refused = await post("mutation { disconnectMetaAds { status } }", { token: tokenFor(TENANT_EMPTY, "member") })
    assert.strictEqual(refused.body.errors?.[0]?.extensions?.["code"], "FORBIDDEN")
  })

  it("shows the token debug to operators, and ForbiddenError to others", async () => {
    const query = `{ metaAdsTokenDebug { __typename
      ... on MetaAdsTokenDebugSuccess { tokenDebug { isValid expiresAt scopes error } }
      ... on Error { message } } }`
    const admin = await post(query)
    assert.deepStrictEqual(admin.body.data, {
      metaAdsTokenDebug: {
        __typename: "MetaAdsTokenDebugSuccess",
        tokenDebug: {
          isValid: true,
          expiresAt: "2030-03-01T00:00:00.000Z",
          scopes: ["ads_management", "ads_read", "business_management"],
          error: null
        }
      }
    })
    const marketing = await post(query, { token: tokenFor(TENANT_EMPTY, "marketing") })
    assert.deepStrictEqual(marketing.body.data, {
      metaAdsTokenDebug: { __typename: "ForbiddenError", message: "You are not allowed to inspect the Meta Ads token." }
    })
  })

  it("masks a defect as Unexpected error.", async () => {
    const { body, text } = await post("{ whatsappConnection { status } }", { token: tokenFor(TENANT_BROKEN, "admin") })
    assert.strictEqual(body.errors?.[0]?.message, "Unexpected error.")
    assert.notInclude(text, "db-7.internal")
  })

  it("rejects an operation nested deeper than the limit", async () => {
    const { body } = await post(
      "{ __schema { types { fields { type { fields { type { fields { type { name } } } } } } } } }"
    )
    assert.isUndefined(body.data)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_DEEP")
  })

  it("rejects an operation that selects too many fields", async () => {
    const { body } = await post(
      "{ conversations(first: 100) { edges { node { messages(first: 100) { edges { cursor } } } } } }"
    )
    assert.isUndefined(body.data)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
  })

  it("stops parsing a document of more than 2000 tokens, before validation", async () => {
    const aliases = Array.from({ length: 1001 }, (_, index) => `a${index}: __typename`).join(" ")
    const { body } = await post(`{ ${aliases} }`)
    assert.isUndefined(body.data)
    assert.include(body.errors?.[0]?.message ?? "", "more than 2000 tokens")
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
  })

  it("lets the standard introspection query (GraphiQL, codegen) through the limits", async () => {
    const { body } = await post(getIntrospectionQuery())
    assert.isUndefined(body.errors)
    assert.isDefined(body.data?.["__schema"])
  })

  it("costs a page sized by a variable at the variable's value, aliases each as the field", async () => {
    // 40 aliases of a page whose size is a variable with a small default: costed at the default (1) it passed;
    // with {"n": 100} it asks for 40 × 100 conversations, each with 100 messages. (300 no longer parse.)
    const page = (index: number) =>
      `c${index}: conversations(first: $n) { edges { node { id messages(first: $n) { edges { node { id text } } } } } }`
    const query = `query Heavy($n: Int = 1) { ${Array.from({ length: 40 }, (_, index) => page(index)).join(" ")} }`
    const { body } = await post(query, { variables: { n: 100 } })
    assert.isUndefined(body.data)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
    // The same document with the small value it declares is cheap, and runs.
    const small = await post(query, { variables: { n: 1 } })
    assert.isUndefined(small.body.errors)
    // 300 of them (the attack) are refused before validation: too many tokens.
    const attack = `query Heavy($n: Int = 1) { ${Array.from({ length: 300 }, (_, index) => page(index)).join(" ")} }`
    const refused = await post(attack, { variables: { n: 100 } })
    assert.isUndefined(refused.body.data)
    assert.strictEqual(refused.body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
    // As few as 10 aliases of the literal page are refused too.
    const literal = Array.from({ length: 10 }, (_, index) => page(index).replaceAll("$n", "100")).join(" ")
    assert.strictEqual((await post(`{ ${literal} }`)).body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
  })

  it("stops an operation that runs out of time, and interrupts the use case it runs", async () => {
    calls.length = 0
    const { body } = await post("{ conversations(first: 5) { edges { cursor } } }", {
      to: production,
      token: tokenFor(TENANT_SLOW, "member")
    })
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TIMEOUT")
    assert.strictEqual(body.errors?.[0]?.message, "The query ran longer than 50 ms and was stopped.")
    for (let attempt = 0; attempt < 100 && !calls.some((c) => c.method === "list.interrupted"); attempt++) {
      await new Promise((done) => setTimeout(done, 10))
    }
    assert.isTrue(calls.some((c) => c.method === "list.interrupted"))
  })

  it("lets a mutation run to its end past the query time limit", async () => {
    const { body } = await post("mutation { disconnectWhatsApp { status } }", {
      to: production,
      token: tokenFor(TENANT_SLOW, "admin")
    })
    assert.isUndefined(body.errors)
    assert.deepStrictEqual(body.data, { disconnectWhatsApp: { status: "REVOKED" } })
  })

  it("runs at most 6 of the queries' use cases at once, leaving the database pool to the webhooks", async () => {
    inFlight.most = 0
    const aliases = Array.from({ length: 24 }, (_, index) => `c${index}: conversations(first: 1) { edges { cursor } }`)
    const { body } = await post(`{ ${aliases.join(" ")} }`, { token: tokenFor(TENANT_BUSY, "member") })
    assert.isUndefined(body.errors)
    assert.strictEqual(inFlight.most, 6)
  })

  it("replaces a response larger than the cap by a RESPONSE_TOO_LARGE error", async () => {
    const aliases = Array.from({ length: 250 }, (_, index) => `v${index}: viewer { userId tenantId }`).join(" ")
    const { body, text } = await post(`{ ${aliases} }`, { to: production })
    assert.isAtMost(text.length, 16_384)
    assert.isUndefined(body.data)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "RESPONSE_TOO_LARGE")
    const small = await post("{ viewer { userId } }", { to: production })
    assert.deepStrictEqual(small.body.data, { viewer: { userId: "user-admin" } })
  })

  it("answers no introspection and no name suggestions in production mode", async () => {
    for (const query of [
      getIntrospectionQuery(),
      "{ __schema { queryType { name } } }",
      '{ __type(name: "Query") { name } }'
    ]) {
      const { body } = await post(query, { to: production })
      assert.isUndefined(body.data, query)
      assert.include(body.errors?.[0]?.message ?? "", "introspection", query)
    }
    const typename = await post("{ __typename viewer { __typename } }", { to: production })
    assert.deepStrictEqual(typename.body.data, { __typename: "Query", viewer: { __typename: "Viewer" } })
    const typo = await post("{ viewr { userId } }", { to: production })
    assert.strictEqual(typo.body.errors?.[0]?.message, 'Cannot query field "viewr" on type "Query".')
    const argument = await post('{ conversations(aftr: "x") { edges { cursor } } }', { to: production })
    assert.strictEqual(argument.body.errors?.[0]?.message, 'Unknown argument "aftr" on field "Query.conversations".')
    const input = await post(SELECT_TYPO, { to: production, variables: SELECT_TYPO_VARIABLES })
    assert.isDefined(input.body.errors?.[0])
    assert.notInclude(input.text, "Did you mean")
    assert.include(input.text, "adAccountI")
  })

  it("suggests names in sandbox mode", async () => {
    const typo = await post("{ viewr { userId } }")
    assert.include(typo.body.errors?.[0]?.message ?? "", 'Did you mean "viewer"?')
    const argument = await post('{ conversations(aftr: "x") { edges { cursor } } }')
    assert.include(argument.body.errors?.[0]?.message ?? "", 'Did you mean "after"?')
    const input = await post(SELECT_TYPO, { variables: SELECT_TYPO_VARIABLES })
    assert.include(input.text, "Did you mean")
  })

  it("limits startWhatsAppConnect per tenant (20 a minute): RATE_LIMITED with retryAfterSeconds, 429, no cookie", async () => {
    const token = tokenFor(freshTenant(), "admin")
    for (let attempt = 0; attempt < 20; attempt++) {
      const { body } = await post("mutation { startWhatsAppConnect { state } }", { token })
      assert.isUndefined(body.errors, `attempt ${attempt + 1}`)
    }
    calls.length = 0
    const { body, response } = await post("mutation { startWhatsAppConnect { state } }", { token })
    assert.isNull(body.data)
    const error = body.errors?.[0]
    assert.strictEqual(error?.extensions?.["code"], "RATE_LIMITED")
    const retryAfter = error?.extensions?.["retryAfterSeconds"] as number
    assert.isTrue(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, String(retryAfter))
    assert.strictEqual(error?.message, `Too many requests. Try again in ${retryAfter} s.`)
    assert.strictEqual(response.status, 429)
    assert.strictEqual(response.headers.get("retry-after"), String(retryAfter))
    assert.deepStrictEqual(response.headers.getSetCookie(), [])
    assert.isUndefined(
      calls.find((c) => c.method === "start"),
      "the use case does not run"
    )
    // Another tenant is not affected.
    const other = await post("mutation { startWhatsAppConnect { state } }", { token: tokenFor(freshTenant(), "admin") })
    assert.isUndefined(other.body.errors)
  })

  it("counts every alias of a limited mutation in one request", async () => {
    const tenantId = freshTenant()
    const aliases = Array.from({ length: 12 }, (_, index) => `d${index}: disconnectWhatsApp { status }`).join(" ")
    calls.length = 0
    const { body } = await post(`mutation { ${aliases} }`, { token: tokenFor(tenantId, "admin") })
    // 10 a minute: ten run, the 11th is refused (and, the field being non-null, ends the serial mutation).
    assert.strictEqual(calls.filter((c) => c.method === "disconnect" && c.actor.tenantId === tenantId).length, 10)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")
    assert.deepStrictEqual(body.errors?.[0]?.path, ["d10"])
  })

  it("shares each operation's limit between REST and GraphQL", async () => {
    const rest = (token: string, path: string) =>
      bothEdges.handler(
        new Request(`http://localhost${path}`, { method: "POST", headers: { authorization: `Bearer ${token}` } })
      )
    const token = tokenFor(freshTenant(), "admin")
    for (let attempt = 0; attempt < 20; attempt++) {
      assert.strictEqual((await rest(token, "/api/integrations/meta/whatsapp/start")).status, 200)
    }
    const start = await post("mutation { startWhatsAppConnect { state } }", { token, to: bothEdges })
    assert.strictEqual(start.body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")

    // And the other way: GraphQL spends the test-connection limit (5 a minute) that REST then refuses.
    const member = tokenFor(freshTenant(), "member")
    for (let attempt = 0; attempt < 5; attempt++) {
      const tested = await post("mutation { testMetaAdsConnection { ok } }", { token: member, to: bothEdges })
      assert.isUndefined(tested.body.errors)
    }
    const refused = await rest(member, "/api/integrations/meta/ads/test-connection")
    assert.strictEqual(refused.status, 429)
    assert.isNotNull(refused.headers.get("retry-after"))
    assert.strictEqual(((await refused.json()) as { error: { code: string } }).error.code, "rate_limited")
    const graphql = await post("mutation { testMetaAdsConnection { ok } }", { token: member, to: bothEdges })
    assert.strictEqual(graphql.body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")
  })

  it("limits the Meta Ads mutations, and answers the RateLimited member of the token debug's union", async () => {
    const admin = tokenFor(freshTenant(), "admin")
    for (let attempt = 0; attempt < 10; attempt++)
      await post("mutation { disconnectMetaAds { status } }", { token: admin })
    const disconnect = await post("mutation { disconnectMetaAds { status } }", { token: admin })
    assert.strictEqual(disconnect.body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")
    for (let attempt = 0; attempt < 20; attempt++)
      await post("mutation { startMetaAdsConnect { state } }", { token: admin })
    const start = await post("mutation { startMetaAdsConnect { state } }", { token: admin })
    assert.strictEqual(start.body.errors?.[0]?.extensions?.["code"], "RATE_LIMITED")

    const query = `{ metaAdsTokenDebug { __typename
      ... on RateLimited { message retryAfterSeconds }
      ... on MetaAdsTokenDebugSuccess { tokenDebug { isValid } } } }`
    for (let attempt = 0; attempt < 5; attempt++) {
      const { body } = await post(query, { token: admin })
      assert.strictEqual(
        (body.data?.["metaAdsTokenDebug"] as { __typename: string } | undefined)?.__typename,
        "MetaAdsTokenDebugSuccess"
      )
    }
    const { body, response } = await post(query, { token: admin })
    const answer = body.data?.["metaAdsTokenDebug"] as {
      __typename: string
      retryAfterSeconds: number
      message: string
    }
    assert.strictEqual(answer.__typename, "RateLimited")
    assert.isAtLeast(answer.retryAfterSeconds, 1)
    assert.strictEqual(answer.message, `Too many requests. Try again in ${answer.retryAfterSeconds} s.`)
    assert.strictEqual(response.status, 200)
  })

  it("registerWhatsAppNumber: the PIN reaches the use case once (never recorded), a wrong one is typed, limited", async () => {
    const token = tokenFor(freshTenant(), "admin")
    const query = `mutation Register($input: RegisterWhatsAppNumberInput!) { registerWhatsAppNumber(input: $input) {
      __typename
      ... on RegisterWhatsAppNumberSuccess { connection { status } }
      ... on RegistrationPinMismatchError { message }
      ... on RateLimited { retryAfterSeconds } } }`
    calls.length = 0
    const done = await post(query, { token, variables: { input: { pin: "246810" } } })
    assert.deepStrictEqual(done.body.data, {
      registerWhatsAppNumber: { __typename: "RegisterWhatsAppNumberSuccess", connection: { status: "ACTIVE" } }
    })
    assert.deepStrictEqual(calls.find((c) => c.method === "register")?.input, { pin: "given" })
    const wrong = await post(query, { token, variables: { input: { pin: "111111" } } })
    assert.strictEqual(
      (wrong.body.data?.["registerWhatsAppNumber"] as { __typename: string } | undefined)?.__typename,
      "RegistrationPinMismatchError"
    )
    const check = await post(query, { token, variables: { input: {} } })
    assert.strictEqual(
      (check.body.data?.["registerWhatsAppNumber"] as { __typename: string } | undefined)?.__typename,
      "RegisterWhatsAppNumberSuccess"
    )
    assert.deepStrictEqual(calls.filter((c) => c.method === "register").at(-1)?.input, { pin: null })
    // 5 a minute per workspace: two more run, the sixth is the RateLimited member and does not run.
    for (let attempt = 0; attempt < 2; attempt++) await post(query, { token, variables: { input: {} } })
    const before = calls.filter((c) => c.method === "register").length
    const limited = await post(query, { token, variables: { input: { pin: "246810" } } })
    const answer = limited.body.data?.["registerWhatsAppNumber"] as { __typename: string; retryAfterSeconds: number }
    assert.strictEqual(answer.__typename, "RateLimited")
    assert.isAtLeast(answer.retryAfterSeconds, 1)
    assert.strictEqual(calls.filter((c) => c.method === "register").length, before)
  })

  it("answers a malformed pagination cursor as bad input, before any use case runs", async () => {
    const base64 = (text: string) => Buffer.from(text, "utf8").toString("base64url")
    const malformed = [
      "garbage",
      base64("garbage"),
      "__proto__",
      base64("__proto__"),
      // Our shape, but not a UUID and not a date: the database would have refused it (a 500).
      base64(`99999999999999999999:${"-".repeat(36)}`),
      base64("1700000000000:00000000-0000-4000-8000-00000000000Z"),
      `${encodeCursor(new Date(0), "00000000-0000-4000-8000-000000000001")}==`
    ]
    for (const after of malformed) {
      for (const query of [
        "query ($after: String) { conversations(first: 5, after: $after) { edges { cursor } } }",
        "query ($after: String) { auditLog(first: 5, after: $after) { __typename } }"
      ]) {
        calls.length = 0
        const { body } = await post(query, { variables: { after } })
        assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "BAD_USER_INPUT", `${query} ${after}`)
        assert.include(body.errors?.[0]?.message ?? "", "after must be a cursor")
      }
    }
    const valid = encodeCursor(new Date("2025-06-01T12:00:00.000Z"), "00000000-0000-4000-8000-000000000001")
    for (const after of [valid, null, ""]) {
      const { body } = await post(
        "query ($after: String) { conversations(first: 5, after: $after) { edges { cursor } } }",
        { variables: { after } }
      )
      assert.isUndefined(body.errors, String(after))
    }
  })

  it("serves no GraphiQL unless asked: GET /graphql is a 404", async () => {
    const response = await app.handler(
      new Request("http://localhost/graphql", { method: "GET", headers: { accept: "text/html" } })
    )
    assert.strictEqual(response.status, 404)
  })

  it("serves GraphiQL on GET /graphql when asked, without a token", async () => {
    const response = await withGraphiql.handler(
      new Request("http://localhost/graphql", { method: "GET", headers: { accept: "text/html" } })
    )
    assert.strictEqual(response.status, 200)
    assert.include(response.headers.get("content-type") ?? "", "text/html")
    assert.include((await response.text()).toLowerCase(), "graphiql")
  })

  it("serves a GraphiQL page that works offline: no script, stylesheet or icon from another site", async () => {
    const response = await withGraphiql.handler(
      new Request("http://localhost/graphql", { method: "GET", headers: { accept: "text/html" } })
    )
    const html = await response.text()
    // A browser reads a script's or a style's text up to the first closing tag: what is left are the page's tags.
    const rawText = /<(script|style)\b([^>]*)>([\s\S]*?)<\/\1\s*>/gi
    const inline = [...html.matchAll(rawText)].reduce((length, match) => length + (match[3]?.length ?? 0), 0)
    const tags = html.replace(rawText, "<$1$2></$1>").match(/<(?:script|link)\b[^>]*>/gi) ?? []
    const external = tags.filter((tag) => /\b(?:src|href)\s*=\s*["']?(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(tag))
    assert.deepStrictEqual(external, [])
    // GraphiQL itself (script, styles, editor workers) is in the page, and it loads nothing from a CDN either.
    assert.isAbove(inline, 1_000_000)
    assert.notMatch(html, /unpkg\.com|cdn\.jsdelivr\.net|esm\.sh/)
  })
})

describe("GraphqlRoute over node:http (the request read whole, the JSON answered as text)", () => {
  // The same route on a real node:http server: requests arrive as Node requests, not Web ones, so the buffered
  // request and the text response (issue 18.4) are what answers here.
  const served = ManagedRuntime.make(
    HttpRouter.serve(
      makeGraphqlRoute({ graphiql: false, introspection: false, maxExecutionMs: 5_000, maxResponseBytes: 16_384 }).pipe(
        Layer.provide(Services)
      ),
      { disableLogger: true }
    ).pipe(Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" })))
  )
  const origin = served.runPromise(
    Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))
  )
  afterAll(() => served.dispose())

  /** The same request over node:http and through the Web handler (`production`: the same limits). */
  const both = async (body: string, headers: Record<string, string> = {}) => {
    const init = () => ({
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${tokenFor(TENANT_EMPTY, "admin")}`,
        ...headers
      },
      body
    })
    const overNode = await fetch(`${await origin}/graphql`, init())
    const overWeb = await production.handler(new Request("http://localhost/graphql", init()))
    const seen = async (response: Response) => ({
      status: response.status,
      contentType: response.headers.get("content-type"),
      cacheControl: response.headers.get("cache-control"),
      cookies: response.headers.getSetCookie(),
      body: await response.text()
    })
    return { node: await seen(overNode), web: await seen(overWeb) }
  }

  it("answers a query, a too large response, a malformed body and a body too large to buffer as before", async () => {
    const queries = [
      JSON.stringify({ query: "{ viewer { userId tenantId } }" }),
      JSON.stringify({
        query: `{ ${Array.from({ length: 250 }, (_, index) => `v${index}: viewer { userId tenantId }`).join(" ")} }`
      }),
      "{ not json",
      // Over 1 MiB: streamed to yoga as the generic conversion does.
      JSON.stringify({ query: `{ viewer { userId } }${" ".repeat(1_100_000)}` })
    ]
    for (const body of queries) {
      const { node, web } = await both(body)
      assert.deepStrictEqual(node, web)
    }
    const { node } = await both(queries[1]!)
    assert.include(node.body, "RESPONSE_TOO_LARGE")
  })

  it("sends the use cases' cookies beside the JSON", async () => {
    const { node, web } = await both(JSON.stringify({ query: "mutation { startWhatsAppConnect { authUrl state } }" }))
    assert.strictEqual(node.status, 200)
    assert.strictEqual(node.cookies.length, 2)
    assert.deepStrictEqual(node, web)
  })
})

describe("GraphqlRoute's node:http fast path (GraphqlFastPath.ts) answers as the router's route", () => {
  /** Counts the requests a fast path took. */
  class CountedPaths extends FastPaths {
    taken = 0
    override find(request: IncomingMessage) {
      const path = super.find(request)
      if (path !== undefined) this.taken++
      return path
    }
  }
  const paths = new CountedPaths()
  /** The lines each server logged. */
  const lines = { fast: [] as Array<LogRecord>, router: [] as Array<LogRecord> }
  const record = makeRecordLogger()
  const collect = (into: Array<LogRecord>) =>
    Logger.layer([Logger.make((options) => void into.push(record.log(options)))])
  // Loopback is a trusted proxy here, so that the forwarded client and scheme are believed on both paths.
  const trusted = [IpNetwork.fromStringUnsafe("127.0.0.0/8")]
  /** The route as main.ts serves it (request id, trusted proxies, error answers), with or without the fast path. */
  const serve = (fastPath: boolean) => {
    const runtime = ManagedRuntime.make(
      HttpRouter.serve(
        Layer.mergeAll(
          makeGraphqlRoute({
            graphiql: false,
            introspection: false,
            maxExecutionMs: 5_000,
            maxResponseBytes: 16_384,
            ...(fastPath ? { fastPath: { paths, trustedProxies: trusted } } : {})
          }),
          RequestIdMiddleware,
          trustedProxiesMiddleware(trusted),
          JsonErrors
        ).pipe(Layer.provide(Services)),
        { disableLogger: true }
      ).pipe(
        Layer.provide(collect(fastPath ? lines.fast : lines.router)),
        Layer.provideMerge(
          NodeHttpServer.layer(() => (fastPath ? withFastPaths(createServer(), paths) : createServer()), {
            port: 0,
            host: "127.0.0.1"
          })
        )
      )
    )
    const origin = runtime.runPromise(
      Effect.map(HttpServer.HttpServer, (server) => HttpServer.formatAddress(server.address))
    )
    return { runtime, origin }
  }
  const fast = serve(true)
  const routed = serve(false)
  paths.open()
  afterAll(async () => {
    await fast.runtime.dispose()
    await routed.runtime.dispose()
  })

  /** The same request to both servers, and whether the fast path took it. */
  const both = async (body: string, headers: Record<string, string>) => {
    const init = () => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body })
    const before = paths.taken
    const overFast = await fetch(`${await fast.origin}/graphql`, init())
    const taken = paths.taken - before
    const overRouter = await fetch(`${await routed.origin}/graphql`, init())
    const seen = async (response: Response) => ({
      status: response.status,
      contentType: response.headers.get("content-type"),
      cacheControl: response.headers.get("cache-control"),
      authenticate: response.headers.get("www-authenticate"),
      // The id asked for, or "made" when one was made (an unusable or missing one).
      requestId: ((id) => (id !== null && id === headers["x-request-id"] ? id : UUID.test(id ?? "") ? "made" : id))(
        response.headers.get("x-request-id")
      ),
      cookies: response.headers.getSetCookie(),
      body: await response.text()
    })
    return { fast: await seen(overFast), router: await seen(overRouter), taken }
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
  const bearer = (tenantId: TenantId = TENANT_EMPTY) => ({ authorization: `Bearer ${tokenFor(tenantId, "admin")}` })
  const START = JSON.stringify({ query: "mutation { startWhatsAppConnect { authUrl state } }" })

  it("answers queries, refusals, malformed bodies and missing or wrong tokens the same, request id included", async () => {
    const cases: ReadonlyArray<readonly [string, Record<string, string>]> = [
      [JSON.stringify({ query: "{ viewer { userId tenantId } }" }), { ...bearer(), "x-request-id": "gfp-1" }],
      [
        JSON.stringify({
          query: `{ ${Array.from({ length: 250 }, (_, index) => `v${index}: viewer { userId tenantId }`).join(" ")} }`
        }),
        bearer()
      ],
      [JSON.stringify({ query: `{ whatsappConnection { ${CONNECTION_FIELDS} } }` }), bearer(TENANT_ACTIVE)],
      [JSON.stringify({ query: "{ viewer { nope } }" }), bearer()],
      // A defect: masked in the answer, logged by yoga's logger with the request's id (gfp-4).
      [
        JSON.stringify({ query: "{ whatsappConnection { status } }" }),
        { ...bearer(TENANT_BROKEN), "x-request-id": "gfp-4" }
      ],
      ["{ not json", { ...bearer(), "x-request-id": "gfp-2" }],
      ["", bearer()],
      [JSON.stringify({ query: "{ viewer { userId } }" }), { "x-request-id": "gfp-3" }],
      [JSON.stringify({ query: "{ viewer { userId } }" }), { authorization: "Bearer not.a.token" }],
      [JSON.stringify({ query: "{ viewer { userId } }" }), { ...bearer(), "x-request-id": "a b" }]
    ]
    for (const [body, headers] of cases) {
      const { fast, router, taken } = await both(body, headers)
      assert.deepStrictEqual(fast, router)
      assert.strictEqual(taken, 1)
    }
    // The same request line, in the request's span, with the request's id.
    const requestLine = (logged: ReadonlyArray<LogRecord>, id: string) =>
      logged
        .filter((line) => line.annotations["request_id"] === id)
        .map((line) => ({
          message: line.message,
          level: line.level,
          spans: line.spans,
          path: line.annotations["path"]
        }))
    for (const id of ["gfp-1", "gfp-2", "gfp-3", "gfp-4"]) {
      assert.deepStrictEqual(requestLine(lines.fast, id), requestLine(lines.router, id))
    }
    assert.deepStrictEqual(
      requestLine(lines.fast, "gfp-4").map((line) => `${line.level} ${line.message}`),
      ["ERROR graphql", "INFO HTTP POST /graphql 200"]
    )
    assert.deepStrictEqual(
      requestLine(lines.fast, "gfp-3").map(({ spans: _, ...line }) => line),
      [{ message: "HTTP POST /graphql 401", level: "INFO", path: "/graphql" }]
    )
  })

  it("sends the use cases' cookies, Secure behind a trusted proxy that says HTTPS", async () => {
    const direct = await both(START, bearer())
    const forwarded = await both(START, {
      ...bearer(),
      "x-forwarded-for": "198.51.100.7",
      "x-forwarded-proto": "https"
    })
    for (const { fast, router, taken } of [direct, forwarded]) {
      assert.strictEqual(fast.status, 200)
      assert.strictEqual(fast.cookies.length, 2)
      assert.deepStrictEqual(
        { ...fast, body: undefined, cookies: fast.cookies.map((cookie) => cookie.replace(/=[^;]*/, "")) },
        { ...router, body: undefined, cookies: router.cookies.map((cookie) => cookie.replace(/=[^;]*/, "")) }
      )
      assert.strictEqual(taken, 1)
    }
    assert.isTrue(forwarded.fast.cookies.every((cookie) => /;\s*Secure/i.test(cookie)))
    assert.isFalse(direct.fast.cookies.some((cookie) => /;\s*Secure/i.test(cookie)))
  })

  it("streams a subscription's events, asked for or not; an upload or a GET goes to the router", async () => {
    const subscription = JSON.stringify({ query: "subscription { connectionChanged { provider status } }" })
    // No Accept header: yoga answers a subscription as server-sent events, here on the fast path.
    const streamed = await both(subscription, bearer())
    assert.strictEqual(streamed.taken, 1)
    assert.include(streamed.fast.contentType ?? "", "text/event-stream")
    assert.deepStrictEqual(streamed.fast, streamed.router)
    const asked = await both(subscription, { ...bearer(), accept: "text/event-stream" })
    assert.strictEqual(asked.taken, 1)
    assert.deepStrictEqual(asked.fast, asked.router)
    const before = paths.taken
    const form = new FormData()
    form.set("operations", JSON.stringify({ query: "{ viewer { userId } }" }))
    form.set("map", "{}")
    const upload = await fetch(`${await fast.origin}/graphql`, { method: "POST", headers: bearer(), body: form })
    const get = await fetch(`${await fast.origin}/graphql`, { headers: bearer() })
    assert.strictEqual(paths.taken, before)
    assert.strictEqual(upload.status, 200)
    assert.strictEqual(get.status, 404)
  })
})
