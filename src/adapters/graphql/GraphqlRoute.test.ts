import { afterAll, assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { getIntrospectionQuery } from "graphql"
import type { Actor } from "../../application/Actor.ts"
import { canOperate } from "../../application/Actor.ts"
import { AuditTrail } from "../../application/AuditTrail.ts"
import { Conversations } from "../../application/Conversations.ts"
import { Messaging } from "../../application/Messaging.ts"
import {
  NOT_CONNECTED as ADS_NOT_CONNECTED,
  MetaAdsConnections,
  type MetaAdsView
} from "../../application/MetaAdsConnections.ts"
import {
  type ConnectionView,
  type ManualConnectInput,
  NOT_CONNECTED,
  WhatsAppConnections
} from "../../application/WhatsAppConnections.ts"
import { AdAccountNotGranted, Forbidden, NotConnected, NumberAlreadyConnected } from "../../domain/Errors.ts"
import { type Role, TenantId, UserId } from "../../domain/Ids.ts"
import { Jwt } from "../http/Auth.ts"
import { makeGraphqlRoute } from "./GraphqlRoute.ts"

const TENANT_EMPTY = TenantId.make("00000000-0000-4000-8000-000000000001")
const TENANT_ACTIVE = TenantId.make("00000000-0000-4000-8000-000000000002")
const TENANT_BROKEN = TenantId.make("00000000-0000-4000-8000-000000000003")
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
      })
  })
)

const jwt = Jwt.make(Redacted.make("x".repeat(32)))
/** The conversations and sending services answer with nothing here; their own tests cover them. */
const StubConversations = Layer.succeed(
  Conversations,
  Conversations.of({
    list: () => Effect.succeed({ items: [], hasNextPage: false, endCursor: null }),
    messages: () => Effect.succeed({ items: [], hasNextPage: false, endCursor: null })
  })
)
const StubMessaging = Layer.succeed(
  Messaging,
  Messaging.of({ sendText: () => Effect.fail(new NotConnected({ status: "not_connected" })) })
)
const ADS_PENDING: MetaAdsView = {
  ...ADS_NOT_CONNECTED,
  id: "5f0c1a3e-0000-4000-8000-00000000000b",
  status: "pending",
  tokenExpiresAt: new Date("2030-03-01T00:00:00.000Z"),
  pendingReason: "choose_ad_account",
  updatedAt: new Date("2025-06-01T12:00:00.000Z"),
  businessManagers: [
    {
      id: "700000000000001",
      name: "Acme Business",
      adAccounts: [{ id: "act_800000000000001", name: "Acme (USD)", currency: "USD", accountStatus: 1 }]
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
          user: { id: "100000000000042", name: "Dana" },
          tokenExpiresAt: new Date("2030-03-01T00:00:00.000Z"),
          adAccountCount: 1,
          error: null
        })
      ),
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
const Services = Layer.mergeAll(
  StubAuditTrail,
  StubConnections,
  StubMetaAds,
  StubConversations,
  StubMessaging,
  Layer.succeed(Jwt, jwt)
)

const app = HttpRouter.toWebHandler(makeGraphqlRoute({ graphiql: false }).pipe(Layer.provide(Services)), {
  disableLogger: true
})
const withGraphiql = HttpRouter.toWebHandler(makeGraphqlRoute({ graphiql: true }).pipe(Layer.provide(Services)), {
  disableLogger: true
})
afterAll(async () => {
  await app.dispose()
  await withGraphiql.dispose()
})

const tokenFor = (tenantId: TenantId, role: Role, flags?: ReadonlyArray<string>) =>
  Effect.runSync(
    jwt.sign({ sub: UserId.make(`user-${role}`), tenant_id: tenantId, role, ...(flags ? { flags } : {}) }, 3600)
  )

interface GraphqlBody {
  readonly data?: Record<string, unknown> | null
  readonly errors?: ReadonlyArray<{ readonly message: string; readonly extensions?: Record<string, unknown> }>
}

const post = async (
  query: string,
  options: {
    readonly token?: string | null
    readonly variables?: Record<string, unknown>
    readonly url?: string
    readonly headers?: Record<string, string>
  } = {}
) => {
  const token = options.token === undefined ? tokenFor(TENANT_EMPTY, "admin") : options.token
  const response = await app.handler(
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

describe("GraphqlRoute", () => {
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
    assert.match(cookies[1]!, /^meta_oauth_whatsapp_popup=b1nd;/)
    assert.match(cookies[1]!, /; HttpOnly/i)
    assert.match(cookies[1]!, /; Path=\/api\/integrations\/meta\/whatsapp\/complete/)
    const cookie = cookies[0]!
    assert.match(cookie, /^meta_oauth_whatsapp=b1nd;/)
    assert.match(cookie, /; HttpOnly/i)
    assert.match(cookie, /; SameSite=Lax/i)
    assert.match(cookie, /; Path=\/api\/integrations\/meta\/whatsapp\/callback/)
    assert.match(cookie, /; Max-Age=600/)
    assert.notMatch(cookie, /Secure/i)
  })

  it("marks the cookie Secure over https (directly or behind the load balancer)", async () => {
    const direct = await post("mutation { startWhatsAppConnect { state } }", { url: "https://app.example/graphql" })
    assert.match(direct.response.headers.getSetCookie()[0]!, /; Secure/i)
    const proxied = await post("mutation { startWhatsAppConnect { state } }", {
      headers: { "x-forwarded-proto": "https" }
    })
    assert.match(proxied.response.headers.getSetCookie()[0]!, /; Secure/i)
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
            adAccounts: [{ id: "act_800000000000001", name: "Acme (USD)", currency: "USD", accountStatus: 1 }]
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
    assert.match(cookie, /^meta_oauth_ads=adsb1nd;/)
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
    const aliases = Array.from({ length: 5001 }, (_, index) => `a${index}: __typename`).join(" ")
    const { body } = await post(`{ ${aliases} }`)
    assert.isUndefined(body.data)
    assert.strictEqual(body.errors?.[0]?.extensions?.["code"], "QUERY_TOO_COMPLEX")
  })

  it("lets the standard introspection query (GraphiQL, codegen) through the limits", async () => {
    const { body } = await post(getIntrospectionQuery())
    assert.isUndefined(body.errors)
    assert.isDefined(body.data?.["__schema"])
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
