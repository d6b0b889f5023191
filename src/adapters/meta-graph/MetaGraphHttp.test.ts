import { createServer } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Context, Effect, Layer, Logger, Redacted, References, Tracer } from "effect"
import { HttpClient } from "effect/http"
import { TestClock } from "effect/testing"
import type { RunningSandbox } from "../../../sandbox/Sandbox.ts"
import {
  ADS_REDIRECT,
  APP_ID,
  APP_SECRET,
  adsDialogQuery,
  dialogQuery,
  proofFor,
  setConfiguration,
  start,
  startReceiver,
  submitDialog,
  VERIFY_TOKEN,
  WA_REDIRECT
} from "../../../sandbox/testkit.ts"
import { MetaGraph } from "../../application/ports/MetaGraph.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import { appSecretProof, type MetaGraphConfig, MetaGraphHttp, scrub } from "./MetaGraphHttp.ts"

// ------------------------------------------------------------------------------------------------ helpers

const useSandbox = Effect.acquireRelease(
  Effect.promise(() => start()),
  (sandbox) => Effect.promise(() => sandbox.close())
)

const useReceiver = Effect.acquireRelease(
  Effect.promise(() => startReceiver()),
  (receiver) => Effect.promise(() => receiver.close())
)

const makeGraph = (sandbox: RunningSandbox, overrides: Partial<MetaGraphConfig> = {}) =>
  Layer.build(
    MetaGraphHttp({
      graphBaseUrl: sandbox.url,
      graphVersion: "v24.0",
      appId: APP_ID,
      appSecret: Redacted.make(APP_SECRET),
      timeout: "5 seconds",
      retry: { times: 3, base: "5 millis" },
      ...overrides
    })
  ).pipe(Effect.map((context) => Context.get(context, MetaGraph)))

/** Approves the dialog (form fields as a person would submit them) and returns the code. */
const approve = (
  sandbox: RunningSandbox,
  fields: Record<string, string> = { action: "approve" },
  query: URLSearchParams = dialogQuery()
) =>
  Effect.promise(() => submitDialog(sandbox, fields, query)).pipe(
    Effect.map((params) => Redacted.make(params.get("code") ?? ""))
  )

const control = (sandbox: RunningSandbox, method: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const init: RequestInit = { method, headers: { "content-type": "application/json" } }
    if (body !== undefined) init.body = JSON.stringify(body)
    const response = await fetch(`${sandbox.url}/_sandbox/${path}`, init)
    return (await response.json()) as unknown
  })

/** Graph requests the sandbox answered (every answer updates its usage counters; hangs are not counted). */
const requests = (sandbox: RunningSandbox) => sandbox.ctx.usage.app

const connect = (sandbox: RunningSandbox, graph: MetaGraph["Service"], fields?: Record<string, string>) =>
  Effect.gen(function* () {
    const code = yield* approve(sandbox, fields)
    const { accessToken } = yield* graph.exchangeCode(code, WA_REDIRECT)
    const info = yield* graph.debugToken(accessToken)
    const wabaId = info.granularScopes.find((g) => g.scope === "whatsapp_business_messaging")?.targetIds[0]
    assert.isDefined(wabaId)
    return { token: accessToken, wabaId: (wabaId ?? "") as WabaId, info }
  })

/** Collects every log line and span the adapter produces, to check that no secret leaks into them. */
const observe = () => {
  const logs: Array<string> = []
  const spans: Array<Tracer.NativeSpan> = []
  const logger = Logger.make((options) => {
    logs.push(String(Logger.formatLogFmt.log(options)))
  })
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    }
  })
  const provide = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
    effect.pipe(
      Effect.provideService(Tracer.Tracer, tracer),
      // Records every request and response header on the client spans, so the check below covers them too.
      Effect.provideService(HttpClient.TracerHeaderFilter, () => true),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.provide(Logger.layer([logger]))
    )
  const assertClean = (secrets: ReadonlyArray<string>, ...values: ReadonlyArray<unknown>) => {
    const haystack = [
      ...logs,
      ...spans.map((span) => `${span.name} ${JSON.stringify([...span.attributes])}`),
      ...values.map((value) => `${String(value)} ${JSON.stringify(value)}`)
    ].join("\n")
    for (const secret of secrets) {
      assert.isAbove(secret.length, 5)
      assert.notInclude(haystack, secret)
    }
  }
  return { logs, spans, provide, assertClean }
}

// ------------------------------------------------------------------------------------------------ tests

describe("MetaGraphHttp against the sandbox", () => {
  it.live("runs the WhatsApp connection flow end to end without leaking tokens", () => {
    const seen = observe()
    return Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const receiver = yield* useReceiver
      const graph = yield* makeGraph(sandbox)

      const code = yield* approve(sandbox)
      const exchanged = yield* graph.exchangeCode(code, WA_REDIRECT)
      const token = exchanged.accessToken
      assert.match(Redacted.value(token), /^EAA/)
      assert.isNull(exchanged.expiresIn)

      const info = yield* graph.debugToken(token)
      assert.isTrue(info.isValid)
      assert.strictEqual(info.appId, APP_ID)
      assert.strictEqual(info.expiresAt, 0)
      assert.includeMembers([...info.scopes], ["whatsapp_business_management", "whatsapp_business_messaging"])
      const wabaId = info.granularScopes.find((g) => g.scope === "whatsapp_business_management")?.targetIds[0]
      assert.isDefined(wabaId)
      const waba = (wabaId ?? "") as WabaId

      const numbers = yield* graph.listPhoneNumbers(token, waba)
      assert.strictEqual(numbers.length, 2)
      const support = numbers.find((n) => n.verifiedName === "Sandbox Support")
      assert.isDefined(support)
      const supportId = (support?.id ?? "") as PhoneNumberId
      assert.strictEqual(support?.nameStatus, "AVAILABLE_WITHOUT_REVIEW")
      assert.strictEqual(support?.codeVerificationStatus, "VERIFIED", "both seed numbers are verified")
      assert.match(support?.displayPhoneNumber ?? "", /^\+1 555-/)

      const one = yield* graph.getPhoneNumber(token, supportId)
      assert.deepStrictEqual(one, support)

      // The app-level callback is read, never written (issue 14 item 5): it was a GET then a POST before.
      assert.isNull(yield* graph.appSubscription())
      yield* Effect.promise(() =>
        fetch(`${sandbox.url}/_sandbox/app/subscription`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ callbackUrl: receiver.url, verifyToken: VERIFY_TOKEN })
        })
      )
      const before = requests(sandbox)
      const subscription = yield* graph.appSubscription()
      assert.strictEqual(requests(sandbox) - before, 1, "one GET")
      assert.deepStrictEqual(subscription, {
        callbackUrl: receiver.url,
        active: true,
        fields: ["messages", "account_update"]
      })

      yield* graph.subscribeApp(token, waba)
      assert.isTrue(sandbox.ctx.state.wabas.get(waba)?.subscriptions.some((s) => s.appId === APP_ID))

      const unregistered = yield* Effect.flip(graph.sendText(token, supportId, "+1 555 010 9876", "hi"))
      assert.strictEqual(unregistered._tag, "MessageRejected")
      assert.strictEqual(unregistered._tag === "MessageRejected" ? unregistered.code : 0, 133010)
      assert.strictEqual(unregistered._tag === "MessageRejected" ? unregistered.reason : null, "number_not_registered")

      yield* graph.registerNumber(token, supportId, Redacted.make("123456"))
      yield* graph.registerNumber(token, supportId, Redacted.make("123456"))
      assert.isTrue(sandbox.ctx.state.numbers.get(supportId)?.registered)

      const sent = yield* graph.sendText(token, supportId, "+1 555 010 9876", "Hello from the test")
      assert.match(sent.providerMessageId, /^wamid\./)
      assert.strictEqual(sent.waId, "15550109876")
      assert.strictEqual(sandbox.ctx.state.sentMessages.length, 1)

      const me = yield* graph.me(token)
      assert.match(me.id, /^\d+$/)

      yield* graph.unsubscribeApp(token, waba)
      assert.isFalse(sandbox.ctx.state.wabas.get(waba)?.subscriptions.some((s) => s.appId === APP_ID))

      // A system user's token cannot de-authorise the app (a user-token call); the customer removing the app does.
      assert.strictEqual((yield* Effect.flip(graph.revokePermissions(token)))._tag, "MetaUnavailable")
      yield* control(sandbox, "POST", "revoke-token", { wabaId: waba })
      const after = yield* graph.debugToken(token)
      assert.isFalse(after.isValid)
      assert.isNotNull(after.error)
      const revoked = yield* Effect.flip(graph.listPhoneNumbers(token, waba))
      assert.strictEqual(revoked._tag, "MetaTokenInvalid")

      // The appsecret_proof every user-token call carried is kept out of logs and spans like the token.
      const proof = Redacted.value(appSecretProof(Redacted.make(APP_SECRET), token))
      assert.strictEqual(proof, proofFor(Redacted.value(token)))
      assert.isTrue(seen.spans.some((s) => s.name === "MetaGraphHttp.listPhoneNumbers"))
      const listed = seen.spans.find((s) => String(s.attributes.get("url.path")).endsWith("/phone_numbers"))
      assert.include(String(listed?.attributes.get("url.query")), "appsecret_proof=REDACTED")
      seen.assertClean([Redacted.value(token), APP_SECRET, Redacted.value(code), proof], unregistered, revoked, after)
      assert.isNotEmpty(seen.logs, "the capture sees the adapter's debug logs")
      assert.isTrue(seen.spans.some((s) => s.name === "MetaGraphHttp.sendText"))
      assert.isTrue(seen.spans.some((s) => s.attributes.get("http.request.header.authorization") === "<redacted>"))
      const debugSpan = seen.spans.find((s) => s.name === "MetaGraphHttp.debugToken")
      assert.strictEqual(debugSpan?.attributes.get("endpoint"), "GET /debug_token")
    }).pipe(seen.provide)
  })

  it.live("Meta Ads: user token, long-lived exchange, businesses and merged ad accounts", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const code = yield* approve(sandbox, { action: "approve" }, adsDialogQuery())
      const short = yield* graph.exchangeCode(code, ADS_REDIRECT)
      assert.strictEqual(short.expiresIn, 7200)
      const long = yield* graph.exchangeLongLived(short.accessToken)
      assert.strictEqual(long.expiresIn, 5_184_000)
      const businesses = yield* graph.listBusinesses(long.accessToken)
      assert.isTrue(businesses.some((b) => b.name === "Sandbox Business"))
      const all = yield* Effect.forEach(businesses, (b) => graph.listAdAccounts(long.accessToken, b.id))
      const accounts = all.flat()
      assert.isAtLeast(accounts.length, 2)
      assert.strictEqual(new Set(accounts.map((a) => a.id)).size, accounts.length)
      assert.isTrue(accounts.every((a) => a.id.startsWith("act_") && a.currency !== null))
      // Every page: the agency's 28 client accounts come over two pages (25 + 3).
      assert.strictEqual(accounts.length, 30)
      const statuses = new Set(accounts.map((a) => a.accountStatus))
      for (const status of ["active", "disabled", "unsettled", "pending_risk_review", "in_grace_period", "closed"])
        assert.isTrue(statuses.has(status as never), status)
      const personal = yield* graph.listPersonalAdAccounts(long.accessToken)
      assert.strictEqual(personal.length, 2)
      const one = yield* graph.getAdAccount(long.accessToken, personal[1]!.id)
      assert.deepStrictEqual(one, personal[1])
      // A throttle of the Marketing API: 17 with subcode 2446079, and 80000-80014 with X-Ad-Account-Usage.
      yield* control(sandbox, "POST", "faults", { path: "adaccounts", kind: "rateLimit", code: 17, subcode: 2446079 })
      const user = yield* Effect.flip(graph.listPersonalAdAccounts(long.accessToken))
      assert.strictEqual(user._tag, "MetaRateLimited")
      // (A fresh adapter: the throttle above holds every call of this one back for a while.)
      const fresh = yield* makeGraph(sandbox)
      yield* control(sandbox, "POST", "faults", { path: "^/act_", kind: "rateLimit", code: 80004 })
      const account = yield* Effect.flip(fresh.getAdAccount(long.accessToken, one.id))
      assert.strictEqual(account._tag, "MetaRateLimited")
      assert.strictEqual(account._tag === "MetaRateLimited" ? account.code : 0, 80004)
      assert.isAtLeast(account._tag === "MetaRateLimited" ? (account.retryAfterSeconds ?? 0) : 0, 120)
      const held = yield* Effect.flip(fresh.getAdAccount(long.accessToken, one.id))
      assert.strictEqual(held._tag, "MetaRateLimited", "the ad account waits as X-Ad-Account-Usage says")
    })
  )

  it.live("a scope-only login (no config_id) is refused by the Business app's dialog", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const query = dialogQuery({ redirect_uri: ADS_REDIRECT, scope: "ads_management,ads_read,business_management" })
      query.delete("config_id")
      const page = yield* Effect.promise(() => fetch(`${sandbox.url}/v24.0/dialog/oauth?${query}`))
      assert.strictEqual(page.status, 400)
      assert.include(yield* Effect.promise(() => page.text()), "this app isn&#39;t available")
    })
  )

  it.live("maps a revoked token to MetaTokenInvalid (190) and does not retry it", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const { token, wabaId } = yield* connect(sandbox, graph)
      yield* control(sandbox, "POST", "revoke-token", { wabaId })
      const before = requests(sandbox)
      const error = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(error._tag, "MetaTokenInvalid")
      assert.strictEqual(error._tag === "MetaTokenInvalid" ? error.code : 0, 190)
      assert.strictEqual(requests(sandbox) - before, 1)
      assert.notInclude(error.message, Redacted.value(token))
    })
  )

  it.live(
    "debug_token: a revoked tenant token is data.is_valid=false; a rotated app secret is MetaAppCredentialsInvalid",
    () =>
      Effect.gen(function* () {
        const sandbox = yield* useSandbox
        const graph = yield* makeGraph(sandbox)
        const { token, wabaId, info } = yield* connect(sandbox, graph)
        assert.strictEqual(info.tokenType, "SYSTEM_USER")
        yield* control(sandbox, "POST", "revoke-token", { wabaId })
        const revoked = yield* graph.debugToken(token)
        assert.isFalse(revoked.isValid)
        // Our app secret rotated at Meta: a top-level 190 on the app token, which says nothing about the tenant's.
        yield* control(sandbox, "POST", "app/rotate-secret", {})
        const error = yield* Effect.flip(graph.debugToken(token))
        assert.strictEqual(error._tag, "MetaAppCredentialsInvalid")
        assert.notInclude(error.message, APP_SECRET)
      })
  )

  it.live("maps a scope unticked in the dialog to MetaPermissionMissing with the scope the call needed", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      yield* Effect.promise(() =>
        setConfiguration(sandbox, "whatsapp", ["whatsapp_business_management", "business_management"])
      )
      const noMessaging = yield* approve(sandbox)
      const managementOnly = (yield* graph.exchangeCode(noMessaging, WA_REDIRECT)).accessToken
      const info = yield* graph.debugToken(managementOnly)
      const wabaId = (info.granularScopes.find((g) => g.scope === "whatsapp_business_management")?.targetIds[0] ??
        "") as WabaId
      const numbers = yield* graph.listPhoneNumbers(managementOnly, wabaId)
      const shop = numbers.find((n) => n.verifiedName === "Sandbox Shop")
      const send = yield* Effect.flip(
        graph.sendText(managementOnly, (shop?.id ?? "") as PhoneNumberId, "+15550109876", "hi")
      )
      assert.strictEqual(send._tag, "MetaPermissionMissing")
      assert.deepStrictEqual(send._tag === "MetaPermissionMissing" ? send.permissions : [], [
        "whatsapp_business_messaging"
      ])

      yield* Effect.promise(() => setConfiguration(sandbox, "whatsapp", ["whatsapp_business_messaging"]))
      const noManagement = yield* approve(sandbox)
      const messagingOnly = (yield* graph.exchangeCode(noManagement, WA_REDIRECT)).accessToken
      const list = yield* Effect.flip(graph.listPhoneNumbers(messagingOnly, wabaId))
      assert.strictEqual(list._tag, "MetaPermissionMissing")
      assert.deepStrictEqual(list._tag === "MetaPermissionMissing" ? list.permissions : [], [
        "whatsapp_business_management"
      ])
    })
  )

  it.live("a reused code or another redirect URI fails the exchange with MetaUnavailable (code 100)", () => {
    const seen = observe()
    return Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const code = yield* approve(sandbox)
      const mismatch = yield* Effect.flip(graph.exchangeCode(code, `${WA_REDIRECT}/`))
      assert.strictEqual(mismatch._tag, "MetaUnavailable")
      assert.include(mismatch.message, "Error validating verification code")
      yield* graph.exchangeCode(code, WA_REDIRECT)
      const before = requests(sandbox)
      const reused = yield* Effect.flip(graph.exchangeCode(code, WA_REDIRECT))
      assert.strictEqual(reused._tag, "MetaUnavailable")
      assert.strictEqual(reused._tag === "MetaUnavailable" ? reused.code : 0, 100)
      assert.strictEqual(requests(sandbox) - before, 1, "a 4xx is not retried")
      seen.assertClean([APP_SECRET, Redacted.value(code)], mismatch, reused)
      const urls = seen.spans.flatMap((s) => [s.attributes.get("url.full"), s.attributes.get("url.query")])
      assert.isTrue(urls.some((u) => typeof u === "string" && u.includes("client_secret=REDACTED")))
    }).pipe(seen.provide)
  })

  it.live("a rate limit that says how long is not retried: it fails with MetaRateLimited and holds calls back", () => {
    const seen = observe()
    return Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const { token, wabaId } = yield* connect(sandbox, graph)
      yield* control(sandbox, "POST", "faults", { path: "phone_numbers", kind: "rateLimit", code: 80007, times: 0 })
      const before = requests(sandbox)
      const error = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(error._tag, "MetaRateLimited")
      if (error._tag === "MetaRateLimited") {
        assert.strictEqual(error.code, 80007)
        assert.strictEqual(error.retryAfterSeconds, 300, "estimated_time_to_regain_access: 5 minutes")
      }
      assert.strictEqual(requests(sandbox) - before, 1, "Meta said 5 minutes: no retry within milliseconds")

      const blocked = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(blocked._tag, "MetaRateLimited")
      const app = yield* Effect.flip(graph.debugToken(token))
      assert.strictEqual(app._tag, "MetaRateLimited", "X-App-Usage at 100 holds back app-wide calls")
      assert.strictEqual(requests(sandbox) - before, 1, "no request while throttled")
      assert.isAtLeast(seen.logs.filter((line) => line.includes("attempt failed")).length, 1)
      seen.assertClean([Redacted.value(token), APP_SECRET], error, blocked)
    }).pipe(seen.provide)
  })

  it.live("retries a 500 and succeeds", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const { token, wabaId } = yield* connect(sandbox, graph)
      yield* control(sandbox, "POST", "faults", { path: "phone_numbers", kind: "http500", times: 1 })
      const before = requests(sandbox)
      const numbers = yield* graph.listPhoneNumbers(token, wabaId)
      assert.strictEqual(numbers.length, 2)
      assert.strictEqual(requests(sandbox) - before, 2)
    })
  )

  it.live("retries a send after a 500 with a Graph error body (no message was created)", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox)
      const { token, wabaId } = yield* connect(sandbox, graph)
      const shop = (yield* graph.listPhoneNumbers(token, wabaId)).find((n) => n.verifiedName === "Sandbox Shop")
      yield* control(sandbox, "POST", "faults", { method: "POST", path: "/messages$", kind: "http500", times: 1 })
      const sent = yield* graph.sendText(token, (shop?.id ?? "") as PhoneNumberId, "+15550109876", "hi")
      assert.match(sent.providerMessageId, /^wamid\./)
      assert.strictEqual(sandbox.ctx.state.sentMessages.length, 1)
    })
  )

  it.live("times out a hanging call with MetaUnavailable after at most three retries; sends are not retried", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox, { timeout: "150 millis" })
      const { token, wabaId } = yield* connect(sandbox, graph)
      const shop = (yield* graph.listPhoneNumbers(token, wabaId)).find((n) => n.verifiedName === "Sandbox Shop")
      yield* control(sandbox, "POST", "faults", { path: "phone_numbers", kind: "hang", times: 10 })
      const error = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(error._tag, "MetaUnavailable")
      assert.include(error.message, "did not answer")
      assert.include(error.message, "/{waba-id}/phone_numbers")
      assert.strictEqual(sandbox.ctx.faults[0]?.remaining, 6, "4 attempts")

      yield* control(sandbox, "DELETE", "faults")
      yield* control(sandbox, "POST", "faults", { method: "POST", path: "/messages$", kind: "hang", times: 10 })
      const send = yield* Effect.flip(graph.sendText(token, (shop?.id ?? "") as PhoneNumberId, "+15550109876", "hi"))
      assert.strictEqual(send._tag, "MetaUnavailable")
      assert.strictEqual(sandbox.ctx.faults[0]?.remaining, 9, "a send that timed out may have gone out: no retry")
    })
  )

  it.effect("X-Business-Use-Case-Usage blocks calls for the business until the (test) clock passes", () =>
    Effect.gen(function* () {
      const sandbox = yield* useSandbox
      const graph = yield* makeGraph(sandbox, { retry: { times: 0 } })
      const { token, wabaId } = yield* connect(sandbox, graph)
      const numbers = yield* graph.listPhoneNumbers(token, wabaId)
      const shopId = (numbers.find((n) => n.verifiedName === "Sandbox Shop")?.id ?? "") as PhoneNumberId
      // Learns the owner business of the phone number from the usage header.
      yield* graph.getPhoneNumber(token, shopId)

      yield* control(sandbox, "POST", "faults", { path: "phone_numbers", kind: "rateLimit", times: 1 })
      const first = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(first._tag, "MetaRateLimited")
      const count = requests(sandbox)

      const sameWaba = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(sameWaba._tag, "MetaRateLimited")
      const sameBusiness = yield* Effect.flip(graph.getPhoneNumber(token, shopId))
      assert.strictEqual(sameBusiness._tag, "MetaRateLimited")
      assert.strictEqual(requests(sandbox), count, "blocked without calling Meta")

      yield* TestClock.adjust("61 seconds")
      yield* graph.debugToken(token)
      assert.strictEqual(requests(sandbox), count + 1, "the app-wide hold (X-App-Usage) is over")
      const still = yield* Effect.flip(graph.listPhoneNumbers(token, wabaId))
      assert.strictEqual(still._tag, "MetaRateLimited")
      if (still._tag === "MetaRateLimited") assert.strictEqual(still.retryAfterSeconds, 239)
      assert.strictEqual(requests(sandbox), count + 1)

      yield* TestClock.adjust("4 minutes")
      const again = yield* graph.listPhoneNumbers(token, wabaId)
      assert.strictEqual(again.length, 2)
      yield* graph.getPhoneNumber(token, shopId)
      assert.strictEqual(requests(sandbox), count + 3)
    })
  )
})

describe("MetaGraphHttp paging", () => {
  /** A tiny Graph that answers phone_numbers in two pages, with Meta's token-carrying `paging.next`. */
  const useFakeGraph = Effect.acquireRelease(
    Effect.promise(async () => {
      const seen: Array<{ readonly url: string; readonly authorization: string | undefined }> = []
      const server = createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://127.0.0.1")
        seen.push({ url: req.url ?? "", authorization: req.headers.authorization })
        const node = (id: string) => ({ id, display_phone_number: `+1 555-010-${id}`, verified_name: `N${id}` })
        const address = server.address() as AddressInfo
        const body =
          url.searchParams.get("after") === "CURSOR2"
            ? { data: [node("3")], paging: { cursors: { before: "CURSOR2", after: "CURSOR3" } } }
            : {
                data: [node("1"), node("2")],
                paging: {
                  cursors: { before: "CURSOR1", after: "CURSOR2" },
                  next: `http://127.0.0.1:${address.port}${url.pathname}?access_token=EAAsecret123456&after=CURSOR2`
                }
              }
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify(body))
      })
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
      const close = () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        })
      return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close }
    }),
    (fake) => Effect.promise(() => fake.close())
  )

  it.live("follows paging.next by its cursor, on its own URL and with the bearer header", () =>
    Effect.gen(function* () {
      const fake = yield* useFakeGraph
      const graph = yield* Layer.build(
        MetaGraphHttp({
          graphBaseUrl: fake.url,
          graphVersion: "v24.0",
          appId: APP_ID,
          appSecret: Redacted.make(APP_SECRET)
        })
      ).pipe(Effect.map((context) => Context.get(context, MetaGraph)))
      const numbers = yield* graph.listPhoneNumbers(Redacted.make("EAAbusiness123456"), "123" as WabaId)
      assert.deepStrictEqual(
        numbers.map((n) => n.id),
        ["1", "2", "3"]
      )
      assert.strictEqual(fake.seen.length, 2)
      assert.include(fake.seen[1]?.url ?? "", "after=CURSOR2")
      assert.notInclude(fake.seen[1]?.url ?? "", "access_token")
      assert.strictEqual(fake.seen[1]?.authorization, "Bearer EAAbusiness123456")
    })
  )
})

describe("scrub (Meta's error messages before they are kept)", () => {
  it("removes the call's secrets and anything token-like with the observability rules, and keeps it short", () => {
    const secret = Redacted.make("s3cret-app-value-1234")
    const token = `EAA${"x".repeat(40)}`
    const text = `Invalid ${token} for s3cret-app-value-1234, access_token=abc and 1234567|${"y".repeat(20)}`
    const out = scrub(text, [secret])
    assert.notInclude(out, token)
    assert.notInclude(out, "s3cret-app-value-1234")
    assert.include(out, "access_token=[redacted]")
    assert.notInclude(out, "y".repeat(20))
    assert.strictEqual(scrub("z".repeat(400), []).length, 300)
  })
})
