/**
 * One suite, two fakes of Meta: the same cases run against `MetaGraphMemory` and against the sandbox through
 * `MetaGraphHttp`, so the in-memory fake the use-case tests rely on answers as the sandbox (as strict as Meta) does.
 */
import { assert, layer } from "@effect/vitest"
import { Context, Effect, Layer, Redacted } from "effect"
import type { RunningSandbox } from "../../../sandbox/Sandbox.ts"
import {
  ADS_REDIRECT,
  APP_ID,
  APP_SECRET,
  adsDialogQuery,
  start,
  startReceiver,
  submitDialog,
  WA_REDIRECT
} from "../../../sandbox/testkit.ts"
import { type AccessToken, type AdAccount, MetaGraph } from "../../application/ports/MetaGraph.ts"
import { isAdAccountStatus } from "../../domain/AdAccountStatus.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import { MetaGraphHttp } from "./MetaGraphHttp.ts"
import { type MemoryPhoneNumber, MetaGraphMemory, MetaGraphMemoryControl } from "./MetaGraphMemory.ts"

interface Login {
  /** The dialog's code, already exchanged. */
  readonly code: Redacted.Redacted<string>
  readonly token: AccessToken
  readonly wabaId: WabaId
  /** A number registered for Cloud API, granted to the token. */
  readonly phoneNumberId: PhoneNumberId
}

/** What a case needs of a fake beyond the port: the dialog, Meta's side of things, and what Meta would post. */
class Fake extends Context.Service<
  Fake,
  {
    /** Whether the fake's app has "Require App Secret" on (the sandbox's does, by default). */
    readonly requiresAppSecretProof: Effect.Effect<boolean>
    /** A person approved the Embedded Signup dialog: the code exchanged, the WABA and a registered number. */
    readonly login: Effect.Effect<Login>
    /**
     * A person approved the Meta Ads configuration: a long-lived user token whose person has two businesses (one
     * with more client ad accounts than a page holds) and their own ad accounts, one of them a business one.
     */
    readonly adsLogin: Effect.Effect<AccessToken>
    /** A business token for `wabaId` issued to another Meta app (an operator pasting the wrong app's token). */
    foreignToken(wabaId: WabaId): Effect.Effect<AccessToken>
    /** The `messages` webhook Meta would post when `from` (as typed) writes to the number: its `from` and wa_id. */
    inbound(phoneNumberId: PhoneNumberId, from: string): Effect.Effect<{ readonly from: string; readonly waId: string }>
    /** The app's callback as another environment (or the App Dashboard) would set it; null removes it. */
    setCallback(callbackUrl: string | null): Effect.Effect<void>
    /**
     * Adds an unregistered number to the WABA: with a two-step verification PIN set before (another provider,
     * WhatsApp Manager), or not verified by its owner (`verified: false`).
     */
    seedNumber(
      wabaId: WabaId,
      options: { readonly pin?: string; readonly verified?: boolean }
    ): Effect.Effect<PhoneNumberId>
    /** Whether Meta has our app subscribed to the WABA (what decides if its webhooks are delivered). */
    subscribed(wabaId: WabaId): Effect.Effect<boolean>
  }
>()("test/MetaGraphContract/Fake") {}

// ------------------------------------------------------------------------------------------------ the memory fake

let sequence = 0
const MemoryFake = Layer.effect(
  Fake,
  Effect.gen(function* () {
    const control = yield* MetaGraphMemoryControl
    const graph = yield* MetaGraph
    const issue = (wabaId: string, appId?: string) =>
      Effect.gen(function* () {
        sequence++
        const code = `contract-code-${sequence}`
        const token = `EAAcontract${sequence}${"z".repeat(40)}`
        yield* control.grant({
          code,
          redirectUri: WA_REDIRECT,
          token,
          wabaIds: [wabaId],
          ...(appId === undefined ? {} : { appId })
        })
        const token_ = (yield* graph.exchangeCode(Redacted.make(code), WA_REDIRECT)).accessToken
        return { code: Redacted.make(code), token: token_ }
      }).pipe(Effect.orDie)
    const wabaNumbers = new Map<string, Array<MemoryPhoneNumber>>()
    return Fake.of({
      requiresAppSecretProof: Effect.succeed(false),
      login: Effect.gen(function* () {
        sequence++
        const wabaId = `61000000000${String(sequence).padStart(4, "0")}` as WabaId
        const phoneNumberId = `62000000000${String(sequence).padStart(4, "0")}` as PhoneNumberId
        const phoneNumbers = [
          { id: phoneNumberId, displayPhoneNumber: "+1 555-010-1234", registered: true },
          { id: `63000000000${String(sequence).padStart(4, "0")}`, displayPhoneNumber: "+1 555-010-5678" }
        ]
        wabaNumbers.set(wabaId, phoneNumbers)
        yield* control.addWaba({ id: wabaId, phoneNumbers })
        return { ...(yield* issue(wabaId)), wabaId, phoneNumberId }
      }),
      seedNumber: (wabaId, options) =>
        Effect.gen(function* () {
          sequence++
          const id = `64000000000${String(sequence).padStart(4, "0")}` as PhoneNumberId
          const phoneNumbers = [
            ...(wabaNumbers.get(wabaId) ?? []),
            {
              id,
              displayPhoneNumber: "+1 555-010-4321",
              ...(options.pin === undefined ? {} : { pin: options.pin }),
              ...(options.verified === false ? { codeVerificationStatus: "NOT_VERIFIED" } : {})
            }
          ]
          wabaNumbers.set(wabaId, phoneNumbers)
          yield* control.addWaba({ id: wabaId, phoneNumbers })
          return id
        }),
      subscribed: (wabaId) => Effect.map(control.subscribedWabas, (wabas) => wabas.includes(wabaId)),
      foreignToken: (wabaId) => Effect.map(issue(wabaId, "9999999999999999"), (issued) => issued.token),
      adsLogin: Effect.gen(function* () {
        sequence++
        const n = String(sequence).padStart(4, "0")
        const account = (id: string, name: string, status: AdAccount["accountStatus"] = "active"): AdAccount => ({
          id,
          name,
          currency: "USD",
          accountStatus: status
        })
        const owned = [account(`act_81${n}001`, "Owned 1"), account(`act_81${n}002`, "Owned 2", "disabled")]
        yield* control.addBusiness({ id: `71${n}`, name: "Business", ownedAdAccounts: owned })
        yield* control.addBusiness({
          id: `72${n}`,
          name: "Agency",
          clientAdAccounts: Array.from({ length: 28 }, (_, i) =>
            account(`act_82${n}${String(i).padStart(3, "0")}`, `C${i}`)
          )
        })
        const code = `contract-ads-${sequence}`
        yield* control.grant({
          code,
          redirectUri: ADS_REDIRECT,
          token: `EAAcontractads${sequence}${"z".repeat(40)}`,
          wabaIds: [],
          businessIds: [`71${n}`, `72${n}`],
          tokenType: "USER",
          personalAdAccounts: [account(`act_83${n}001`, "Personal"), owned[0]!],
          scopes: [
            { scope: "ads_management", targetIds: [] },
            { scope: "ads_read", targetIds: [] },
            { scope: "business_management", targetIds: [`71${n}`, `72${n}`] }
          ]
        })
        const short = yield* graph.exchangeCode(Redacted.make(code), ADS_REDIRECT)
        return (yield* graph.exchangeLongLived(short.accessToken)).accessToken
      }).pipe(Effect.orDie),
      inbound: (phoneNumberId, from) =>
        control
          .inboundMessage({ phoneNumberId, from, text: "Oi" })
          .pipe(Effect.map(({ payload }) => readInbound(payload))),
      setCallback: (callbackUrl) =>
        control.setAppSubscription(
          callbackUrl === null ? null : { callbackUrl, fields: ["messages", "account_update"] }
        )
    })
  })
).pipe(Layer.provideMerge(MetaGraphMemory))

// ------------------------------------------------------------------------------------------------ the sandbox

const controlCall = (sandbox: RunningSandbox, path: string, body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${sandbox.url}/_sandbox/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    return (await response.json()) as Record<string, unknown>
  })

const SandboxFake = Layer.unwrap(
  Effect.gen(function* () {
    const receiver = yield* Effect.acquireRelease(
      Effect.promise(() => startReceiver()),
      (r) => Effect.promise(() => r.close())
    )
    const sandbox = yield* Effect.acquireRelease(
      Effect.promise(() => start({ webhookCallbackUrl: receiver.url })),
      (s) => Effect.promise(() => s.close())
    )
    const Graph = MetaGraphHttp({
      graphBaseUrl: sandbox.url,
      graphVersion: "v24.0",
      appId: APP_ID,
      appSecret: Redacted.make(APP_SECRET),
      timeout: "5 seconds",
      retry: { times: 1, base: "5 millis" }
    })
    const FakeLive = Layer.effect(
      Fake,
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        return Fake.of({
          requiresAppSecretProof: Effect.sync(() => sandbox.ctx.state.config.requireAppSecretProof),
          login: Effect.gen(function* () {
            const params = yield* Effect.promise(() => submitDialog(sandbox))
            const code = Redacted.make(params.get("code") ?? "")
            const { accessToken } = yield* graph.exchangeCode(code, WA_REDIRECT)
            const info = yield* graph.debugToken(accessToken)
            const wabaId = info.granularScopes.find((g) => g.scope === "whatsapp_business_management")!
              .targetIds[0] as WabaId
            const registered = [...sandbox.ctx.state.numbers.values()].find((n) => n.wabaId === wabaId && n.registered)
            return { code, token: accessToken, wabaId, phoneNumberId: registered!.id as PhoneNumberId }
          }).pipe(Effect.orDie),
          adsLogin: Effect.gen(function* () {
            const params = yield* Effect.promise(() => submitDialog(sandbox, { action: "approve" }, adsDialogQuery()))
            const short = yield* graph.exchangeCode(Redacted.make(params.get("code") ?? ""), ADS_REDIRECT)
            return (yield* graph.exchangeLongLived(short.accessToken)).accessToken
          }).pipe(Effect.orDie),
          foreignToken: (wabaId) =>
            controlCall(sandbox, "tokens", { wabaId }).pipe(
              Effect.map((body) => Redacted.make(String(body["accessToken"])))
            ),
          inbound: (phoneNumberId, from) =>
            Effect.gen(function* () {
              const { wamid } = yield* controlCall(sandbox, "inbound", { phoneNumberId, from, text: "Oi" })
              // Delivered or, when Meta would not send it, recorded as skipped: either way Meta's payload.
              const payloads = [
                ...sandbox.ctx.webhooks.deliveries.map((d) => d.payload),
                ...sandbox.ctx.skipped.map((s) => s.payload)
              ]
              const payload = payloads.find((p) => JSON.stringify(p).includes(String(wamid)))
              return readInbound(payload)
            }),
          setCallback: (callbackUrl) => controlCall(sandbox, "app/subscription", { callbackUrl }).pipe(Effect.asVoid),
          seedNumber: (wabaId, options) =>
            controlCall(sandbox, "seed/phone-number", { wabaId, ...options }).pipe(
              Effect.map((body) => String(body["id"]) as PhoneNumberId)
            ),
          subscribed: (wabaId) =>
            Effect.sync(
              () => sandbox.ctx.state.wabas.get(wabaId)?.subscriptions.some((sub) => sub.appId === APP_ID) ?? false
            )
        })
      })
    )
    return FakeLive.pipe(Layer.provideMerge(Graph))
  })
)

/** `from` and `contacts[0].wa_id` of the first message of Meta's `messages` webhook. */
const readInbound = (payload: unknown) => {
  const value = (payload as { entry: Array<{ changes: Array<{ value: Record<string, unknown> }> }> }).entry[0]!
    .changes[0]!.value
  const message = (value["messages"] as Array<Record<string, unknown>>)[0]!
  const contact = (value["contacts"] as Array<Record<string, unknown>>)[0]!
  return { from: String(message["from"]), waId: String(contact["wa_id"]) }
}

// ------------------------------------------------------------------------------------------------ the cases

for (const fake of [
  { name: "MetaGraphMemory", layer: MemoryFake },
  { name: "MetaGraphHttp over the sandbox", layer: SandboxFake }
]) {
  layer(fake.layer, { timeout: 30_000 })(`MetaGraph contract (${fake.name})`, (it) => {
    it.effect("every call with the business token succeeds, the sandbox app requiring appsecret_proof", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const required = yield* meta.requiresAppSecretProof
        if (fake.name !== "MetaGraphMemory") assert.isTrue(required, "the sandbox app has Require App Secret on")
        const { token, wabaId, phoneNumberId } = yield* meta.login
        const numbers = yield* graph.listPhoneNumbers(token, wabaId)
        assert.isTrue(numbers.some((n) => n.id === phoneNumberId))
        assert.strictEqual((yield* graph.getPhoneNumber(token, phoneNumberId)).id, phoneNumberId)
        yield* graph.subscribeApp(token, wabaId)
        yield* graph.registerNumber(token, phoneNumberId, Redacted.make("123456"))
        const sent = yield* graph.sendText(token, phoneNumberId, "+1 555 010 9876", "hello")
        assert.match(sent.providerMessageId, /^wamid\./)
        assert.match((yield* graph.me(token)).id, /^\d+$/)
        yield* graph.unsubscribeApp(token, wabaId)
      })
    )

    it.effect("the send's wa_id follows WhatsApp: Brazil drops the ninth digit, Mexico 521 becomes 52", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const { token, phoneNumberId } = yield* (yield* Fake).login
        const waId = (to: string) => graph.sendText(token, phoneNumberId, to, "Olá").pipe(Effect.map((s) => s.waId))
        assert.strictEqual(yield* waId("+55 11 91234-5678"), "551112345678")
        assert.strictEqual(yield* waId("5521987654321"), "552187654321")
        assert.strictEqual(yield* waId("+52 1 55 1234 5678"), "525512345678")
        assert.strictEqual(yield* waId("+1 (415) 555-0100"), "14155550100")
        assert.strictEqual(yield* waId("+55 11 3123-4567"), "551131234567", "a landline keeps its digits")
      })
    )

    it.effect("templates: hello_world approved, a created one PENDING and listed, sends typed by Meta's refusal", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const { token, wabaId, phoneNumberId } = yield* (yield* Fake).login
        yield* graph.registerNumber(token, phoneNumberId, Redacted.make("123456"))
        const created = yield* graph.createTemplate(token, wabaId, {
          name: "order_ready",
          language: "en_US",
          category: "UTILITY",
          parameterFormat: "POSITIONAL",
          headerText: null,
          bodyText: "Hi {{1}}, order {{2}} is ready.",
          footerText: null,
          bodyExamples: ["Ann", "42"]
        })
        assert.strictEqual(created.status, "PENDING")
        const listed = yield* graph.listTemplates(token, wabaId)
        const hello = listed.find((t) => t.name === "hello_world")
        assert.strictEqual(hello?.status, "APPROVED")
        assert.strictEqual(hello?.language, "en_US")
        const order = listed.find((t) => t.name === "order_ready")
        assert.deepStrictEqual(order?.bodyPlaceholders, ["1", "2"])
        assert.strictEqual(order?.status, "PENDING")
        assert.strictEqual(order?.parameterFormat, "POSITIONAL")
        // Named placeholders go with their samples by name (body_text_named_params).
        yield* graph.createTemplate(token, wabaId, {
          name: "order_named",
          language: "en_US",
          category: "UTILITY",
          parameterFormat: "NAMED",
          headerText: null,
          bodyText: "Hi {{first_name}}, order {{order_id}} is ready.",
          footerText: null,
          bodyExamples: ["Ann", "42"]
        })
        const named = (yield* graph.listTemplates(token, wabaId)).find((t) => t.name === "order_named")
        assert.strictEqual(named?.parameterFormat, "NAMED")
        assert.deepStrictEqual(named?.bodyPlaceholders, ["first_name", "order_id"])
        const sent = yield* graph.sendTemplate(token, phoneNumberId, "+1 555 010 9876", {
          name: "hello_world",
          language: "en_US",
          headerKind: "text",
          parameters: { body: [] }
        })
        assert.match(sent.providerMessageId, /^wamid\./)
        const pending = yield* graph
          .sendTemplate(token, phoneNumberId, "+1 555 010 9876", {
            name: "order_ready",
            language: "en_US",
            headerKind: "none",
            parameters: { body: [{ text: "Ann" }, { text: "42" }] }
          })
          .pipe(Effect.flip)
        assert.strictEqual(pending._tag, "MessageRejected")
        assert.strictEqual(pending._tag === "MessageRejected" ? pending.reason : "", "template_not_found")
        const count = yield* graph
          .sendTemplate(token, phoneNumberId, "+1 555 010 9876", {
            name: "hello_world",
            language: "en_US",
            headerKind: "text",
            parameters: { body: [{ text: "extra" }] }
          })
          .pipe(Effect.flip)
        assert.strictEqual(count._tag === "MessageRejected" ? count.reason : "", "template_parameters_mismatch")
        yield* graph.deleteTemplate(token, wabaId, "order_ready")
        assert.isFalse((yield* graph.listTemplates(token, wabaId)).some((t) => t.name === "order_ready"))
      })
    )

    it.effect("an inbound message from that contact carries the same wa_id", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { token, wabaId, phoneNumberId } = yield* meta.login
        yield* graph.subscribeApp(token, wabaId)
        const sent = yield* graph.sendText(token, phoneNumberId, "+55 11 91234-5678", "Olá")
        const inbound = yield* meta.inbound(phoneNumberId, "+55 11 91234-5678")
        assert.deepStrictEqual(inbound, { from: sent.waId!, waId: sent.waId! })
        const mexico = yield* meta.inbound(phoneNumberId, "5215512345678")
        assert.deepStrictEqual(mexico, { from: "525512345678", waId: "525512345678" })
      })
    )

    it.effect("debug_token: our token names our app; another app's token is reported as such, not as an error", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { token, wabaId } = yield* meta.login
        const ours = yield* graph.debugToken(token)
        assert.isTrue(ours.isValid)
        assert.strictEqual(ours.appId, APP_ID)
        assert.notStrictEqual(ours.otherApp, true)
        const messaging = ours.granularScopes.find((g) => g.scope === "whatsapp_business_messaging")
        assert.include([...(messaging?.targetIds ?? [])], wabaId)
        const foreign = yield* graph.debugToken(yield* meta.foreignToken(wabaId))
        assert.isTrue(foreign.otherApp)
        assert.isFalse(foreign.isValid)
        assert.isNull(foreign.appId)
      })
    )

    it.effect("the app's callback is read as set (never written by the port); without it a WABA cannot subscribe", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { token, wabaId } = yield* meta.login
        yield* meta.setCallback("https://staging.example.com/webhooks/meta/whatsapp")
        const read = yield* graph.appSubscription()
        assert.strictEqual(read?.callbackUrl, "https://staging.example.com/webhooks/meta/whatsapp")
        assert.isTrue(read?.active)
        assert.includeMembers([...(read?.fields ?? [])], ["messages", "account_update"])
        yield* meta.setCallback(null)
        assert.isNull(yield* graph.appSubscription())
        const refused = yield* Effect.flip(graph.subscribeApp(token, wabaId))
        assert.strictEqual(refused._tag === "MetaUnavailable" ? refused.code : 0, 100)
        yield* meta.setCallback("https://app.example.com/webhooks/meta/whatsapp")
      })
    )

    it.effect("a code is single use; a number that is not registered cannot send (133010)", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { code, token, wabaId } = yield* meta.login
        const reused = yield* Effect.flip(graph.exchangeCode(code, WA_REDIRECT))
        assert.strictEqual(reused._tag === "MetaUnavailable" ? reused.code : 0, 100)
        assert.include(reused.message, "used")
        const unregistered = (yield* graph.listPhoneNumbers(token, wabaId)).find((n) => n.platformType !== "CLOUD_API")
        assert.isDefined(unregistered)
        const error = yield* Effect.flip(graph.sendText(token, unregistered!.id, "14155550100", "x"))
        assert.strictEqual(error._tag === "MessageRejected" ? error.code : 0, 133010)
        assert.strictEqual(error._tag === "MessageRejected" ? error.reason : null, "number_not_registered")
      })
    )

    it.effect("GET subscribed_apps lists our app while subscribed, and not after unsubscribing (health check)", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const { token, wabaId } = yield* (yield* Fake).login
        yield* graph.subscribeApp(token, wabaId)
        assert.deepStrictEqual(yield* graph.wabaSubscribedApps(token, wabaId), [
          { appId: APP_ID, overrideCallbackUrl: null }
        ])
        yield* graph.unsubscribeApp(token, wabaId)
        assert.deepStrictEqual(yield* graph.wabaSubscribedApps(token, wabaId), [])
      })
    )

    it.effect("a registered number reports the portfolio's messaging limit and its throughput level", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const { token, phoneNumberId } = yield* (yield* Fake).login
        yield* graph.registerNumber(token, phoneNumberId, Redacted.make("123456"))
        const number = yield* graph.getPhoneNumber(token, phoneNumberId)
        assert.strictEqual(number.messagingLimit, "TIER_2K")
        assert.strictEqual(number.throughputLevel, "STANDARD")
        assert.strictEqual(number.qualityRating, "GREEN")
      })
    )

    it.effect("unsubscribing takes the app off the WABA; a business token cannot call DELETE /me/permissions", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { token, wabaId, phoneNumberId } = yield* meta.login
        yield* graph.subscribeApp(token, wabaId)
        assert.isTrue(yield* meta.subscribed(wabaId))
        yield* graph.unsubscribeApp(token, wabaId)
        assert.isFalse(yield* meta.subscribed(wabaId), "no webhooks of this WABA reach the app any more")
        // `/{user-id}/permissions` takes a user or an app token: Embedded Signup's system user token is refused...
        const refused = yield* Effect.flip(graph.revokePermissions(token))
        assert.strictEqual(refused._tag === "MetaUnavailable" ? refused.code : 0, 100)
        // ...and nothing was de-authorised: the token still works.
        assert.strictEqual((yield* graph.getPhoneNumber(token, phoneNumberId)).id, phoneNumberId)
      })
    )

    it.effect(
      "register: a number whose two-step PIN was set before refuses any other PIN (RegistrationPinMismatch)",
      () =>
        Effect.gen(function* () {
          const graph = yield* MetaGraph
          const meta = yield* Fake
          const { token, wabaId } = yield* meta.login
          const id = yield* meta.seedNumber(wabaId, { pin: "246810" })
          const before = yield* graph.getPhoneNumber(token, id)
          assert.strictEqual(before.codeVerificationStatus, "VERIFIED")
          assert.notStrictEqual(before.platformType, "CLOUD_API")
          const refused = yield* Effect.flip(graph.registerNumber(token, id, Redacted.make("123456")))
          assert.strictEqual(refused._tag, "RegistrationPinMismatch")
          yield* graph.registerNumber(token, id, Redacted.make("246810"))
          assert.strictEqual((yield* graph.getPhoneNumber(token, id)).platformType, "CLOUD_API")
          // Registered, the PIN still holds.
          const again = yield* Effect.flip(graph.registerNumber(token, id, Redacted.make("654321")))
          assert.strictEqual(again._tag, "RegistrationPinMismatch")
        })
    )

    it.effect("register: a NOT_VERIFIED number cannot be registered (NumberNotVerified)", () =>
      Effect.gen(function* () {
        const graph = yield* MetaGraph
        const meta = yield* Fake
        const { token, wabaId } = yield* meta.login
        const id = yield* meta.seedNumber(wabaId, { verified: false })
        const listed = (yield* graph.listPhoneNumbers(token, wabaId)).find((n) => n.id === id)
        assert.strictEqual(listed?.codeVerificationStatus, "NOT_VERIFIED")
        const refused = yield* Effect.flip(graph.registerNumber(token, id, Redacted.make("123456")))
        assert.strictEqual(refused._tag, "NumberNotVerified")
        assert.notStrictEqual((yield* graph.getPhoneNumber(token, id)).platformType, "CLOUD_API")
      })
    )

    it.effect(
      "Meta Ads: every ad account over every page (owned, client, the person's own), each once; one by id",
      () =>
        Effect.gen(function* () {
          const graph = yield* MetaGraph
          const token = yield* (yield* Fake).adsLogin
          const info = yield* graph.debugToken(token)
          assert.strictEqual(info.tokenType, "USER")
          assert.isAbove(info.dataAccessExpiresAt ?? 0, info.expiresAt - 1, "data access outlives the 60-day token")
          const businesses = yield* graph.listBusinesses(token)
          assert.strictEqual(businesses.length, 2)
          const lists = yield* Effect.forEach(businesses, (b) => graph.listAdAccounts(token, b.id))
          assert.isTrue(
            lists.some((list) => list.length > 25),
            "one business has more than a page"
          )
          for (const list of lists) assert.strictEqual(new Set(list.map((a) => a.id)).size, list.length)
          const business = lists.flat()
          assert.isTrue(business.every((a) => a.id.startsWith("act_") && isAdAccountStatus(a.accountStatus)))
          assert.isTrue(business.some((a) => a.accountStatus === "disabled"))
          const personal = yield* graph.listPersonalAdAccounts(token)
          assert.strictEqual(personal.length, 2)
          assert.strictEqual(
            personal.filter((a) => business.some((b) => b.id === a.id)).length,
            1,
            "one of the person's accounts is a business's"
          )
          const one = yield* graph.getAdAccount(token, personal[0]!.id)
          assert.deepStrictEqual(one, personal[0])
          const unknown = yield* Effect.flip(graph.getAdAccount(token, "act_1"))
          assert.strictEqual(unknown._tag === "MetaUnavailable" ? unknown.code : 0, 100)
        })
    )
  })
}
