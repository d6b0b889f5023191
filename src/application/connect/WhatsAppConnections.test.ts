import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import {
  APP_ID,
  approvedCallback,
  MemoryPorts,
  testActor,
  WHATSAPP_REDIRECT
} from "../../../test/support/ConnectTestKit.ts"
import { MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaUnavailable } from "../../domain/Errors.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { MetaGraph } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { browserBinding, callbackReason } from "./OAuthFlow.ts"
import { WhatsAppConnections } from "./WhatsAppConnections.ts"

const REDIRECT = WHATSAPP_REDIRECT
const TestLayer = WhatsAppConnections.layer.pipe(Layer.provideMerge(MemoryPorts))
const actor = testActor

let sequence = 0
const ids = () => {
  sequence++
  return {
    waba: `5000000000000${String(sequence).padStart(3, "0")}`,
    phone: `1000000000000${String(sequence).padStart(3, "0")}`,
    phone2: `2000000000000${String(sequence).padStart(3, "0")}`,
    code: `code-${sequence}`,
    token: `EAAtoken${sequence}${"x".repeat(40)}`
  }
}

/** The dialog granted `grant` (one WABA, its numbers) and redirected back; returns the callback input. */
const approved = (
  who: Actor,
  options: {
    numbers?: number
    scopes?: ReadonlyArray<{ scope: string; targetIds: ReadonlyArray<string> }>
    nameStatus?: string
    appId?: string
    tokenType?: "USER" | "SYSTEM_USER"
    /** The first number's two-step verification PIN, set before the connect. */
    pin?: string
    codeVerificationStatus?: string
  } = {}
) =>
  Effect.gen(function* () {
    const meta = yield* MetaGraphMemoryControl
    const connect = yield* WhatsAppConnections
    const id = ids()
    const numbers = [
      {
        id: id.phone,
        displayPhoneNumber: "+1 555-010-1234",
        verifiedName: "Acme",
        nameStatus: options.nameStatus ?? "APPROVED",
        ...(options.pin === undefined ? {} : { pin: options.pin }),
        ...(options.codeVerificationStatus === undefined
          ? {}
          : { codeVerificationStatus: options.codeVerificationStatus })
      },
      { id: id.phone2, displayPhoneNumber: "+1 555-010-9999", verifiedName: "Acme Two" }
    ].slice(0, options.numbers ?? 1)
    yield* meta.addWaba({ id: id.waba, phoneNumbers: numbers })
    yield* meta.grant({
      code: id.code,
      redirectUri: REDIRECT,
      token: id.token,
      wabaIds: [id.waba],
      ...(options.scopes === undefined ? {} : { scopes: options.scopes }),
      ...(options.appId === undefined ? {} : { appId: options.appId }),
      ...(options.tokenType === undefined ? {} : { tokenType: options.tokenType })
    })
    const started = yield* connect.start(who)
    return { input: approvedCallback(started, id.code, who), id, started }
  })

/**
 * A WABA with one number, granted to a token the operator already holds (here, one obtained through a login) of
 * our app or of `appId`; returns the manual-connect input.
 */
const operatorToken = (number: { displayPhoneNumber: string; verifiedName: string }, appId?: string) =>
  Effect.gen(function* () {
    const meta = yield* MetaGraphMemoryControl
    const id = ids()
    yield* meta.addWaba({ id: id.waba, phoneNumbers: [{ id: id.phone, ...number }] })
    yield* meta.grant({
      code: id.code,
      redirectUri: REDIRECT,
      token: id.token,
      wabaIds: [id.waba],
      ...(appId === undefined ? {} : { appId })
    })
    yield* (yield* MetaGraph).exchangeCode(Redacted.make(id.code), REDIRECT)
    const input = {
      wabaId: id.waba as WabaId,
      phoneNumberId: id.phone as PhoneNumberId,
      accessToken: Redacted.make(id.token)
    }
    return { id, input }
  })

describe("WhatsAppConnections", () => {
  it.effect("start stores a state bound to the tenant, user and browser, and builds Meta's dialog URL", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const started = yield* connect.start(actor())
      const url = new URL(started.authUrl)
      assert.strictEqual(`${url.origin}${url.pathname}`, "https://www.facebook.com/v24.0/dialog/oauth")
      assert.strictEqual(url.searchParams.get("client_id"), APP_ID)
      assert.strictEqual(url.searchParams.get("redirect_uri"), REDIRECT)
      assert.strictEqual(url.searchParams.get("state"), started.state)
      assert.strictEqual(url.searchParams.get("response_type"), "code")
      assert.strictEqual(url.searchParams.get("config_id"), "998877")
      // With a config_id, no scope (FLB: "config_id has replaced scope").
      assert.isFalse(url.searchParams.has("scope"))
      assert.isAtLeast(started.state.length, 43, "32 random bytes")
      assert.strictEqual(started.browserBinding, yield* browserBinding(started.state))
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "a complete callback connects the number: token encrypted, app subscribed, number registered, audited",
    () =>
      Effect.gen(function* () {
        const who = actor()
        const { input, id } = yield* approved(who)
        const connection = yield* (yield* WhatsAppConnections).complete(input)
        assert.strictEqual(connection.status, "active")
        assert.strictEqual(connection.phoneNumberId, id.phone)
        assert.strictEqual(connection.phoneNumberE164, "+15550101234")
        assert.strictEqual(connection.displayName, "Acme")
        assert.notInclude(connection.accessTokenEnc!, id.token)
        const cipher = yield* TokenCipher
        const plain = yield* cipher.decrypt(connection.accessTokenEnc!, {
          tenantId: who.tenantId,
          provider: "meta_whatsapp"
        })
        assert.strictEqual(Redacted.value(plain), id.token)
        const meta = yield* MetaGraphMemoryControl
        assert.include(yield* meta.subscribedWabas, id.waba)
        const registered = (yield* meta.registeredNumbers).find((r) => r.phoneNumberId === id.phone)
        assert.match(registered!.pin, /^\d{6}$/)
        assert.isString(connection.metadata["registration_pin_enc"])
        assert.notInclude(JSON.stringify(connection.metadata), registered!.pin)
        assert.strictEqual((yield* meta.appSubscription)?.callbackUrl, "https://app.example.com/webhooks/meta/whatsapp")
        const audit = yield* (yield* AuditLog).list(who.tenantId, { first: 5 })
        assert.strictEqual(audit.items[0]!.node.action, "whatsapp.connected")
        assert.notInclude(JSON.stringify(audit), id.token)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the state's three failures, a cancel, and another browser each fail with their own error", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const { input } = yield* approved(actor())
      const elsewhere = yield* connect.complete({ ...input, cookieBinding: "0".repeat(64) }).pipe(Effect.flip)
      assert.strictEqual(elsewhere._tag, "OAuthStateMismatch")
      const noCookie = yield* connect.complete({ ...input, cookieBinding: null }).pipe(Effect.flip)
      assert.strictEqual(noCookie._tag, "OAuthStateMismatch")
      yield* connect.complete(input)
      assert.strictEqual((yield* connect.complete(input).pipe(Effect.flip))._tag, "OAuthStateAlreadyUsed")
      const unknown = yield* connect
        .complete({ ...input, state: "nope", cookieBinding: yield* browserBinding("nope") })
        .pipe(Effect.flip)
      assert.strictEqual(unknown._tag, "OAuthStateNotFound")

      const late = yield* approved(actor())
      yield* TestClock.adjust("11 minutes")
      assert.strictEqual((yield* connect.complete(late.input).pipe(Effect.flip))._tag, "OAuthStateExpired")

      const cancelled = yield* approved(actor())
      const cancel = yield* connect
        .complete({ ...cancelled.input, code: null, error: "access_denied", errorReason: "user_denied" })
        .pipe(Effect.flip)
      assert.strictEqual(cancel._tag, "OAuthCancelled")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a missing permission refuses the login and leaves the connection in error saying which", () =>
    Effect.gen(function* () {
      const who = actor()
      const id = { waba: "" }
      const { input } = yield* approved(who, {
        scopes: [{ scope: "whatsapp_business_management", targetIds: ["5999999999999001"] }]
      }).pipe(Effect.tap((r) => Effect.sync(() => (id.waba = r.id.waba))))
      const error = yield* (yield* WhatsAppConnections).complete(input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaPermissionMissing")
      const view = yield* (yield* WhatsAppConnections).status(who)
      assert.strictEqual(view.status, "error")
      assert.include(view.error!, "whatsapp_business_messaging")
      assert.isNull(
        Option.getOrThrow(yield* (yield* ConnectionRepository).findCurrent(who.tenantId, "meta_whatsapp"))
          .accessTokenEnc
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a token for another app is refused before anything is stored", () =>
    Effect.gen(function* () {
      const who = actor()
      const { input } = yield* approved(who, { appId: "9999999999999999" })
      const error = yield* (yield* WhatsAppConnections).complete(input).pipe(Effect.flip)
      // The same check as manual connect's (issue 14 item 10); it was MetaTokenInvalid before.
      assert.strictEqual(error._tag, "MetaTokenAppMismatch")
      assert.strictEqual(callbackReason(error), "meta_error")
      assert.strictEqual((yield* (yield* WhatsAppConnections).status(who)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("several numbers: pending with the choices; only a granted number can be chosen", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const { input, id } = yield* approved(who, { numbers: 2 })
      const pending = yield* connect.complete(input)
      assert.strictEqual(pending.status, "pending")
      const view = yield* connect.status(who)
      assert.strictEqual(view.pendingReason, "choose_number")
      assert.sameMembers(
        view.choices.map((choice) => choice.id),
        [id.phone, id.phone2]
      )
      const wrong = yield* connect.chooseNumber(who, "1234512345123" as PhoneNumberId).pipe(Effect.flip)
      assert.strictEqual(wrong._tag, "NoPhoneNumberGranted")
      const chosen = yield* connect.chooseNumber(who, id.phone2 as PhoneNumberId)
      assert.strictEqual(chosen.status, "active")
      assert.strictEqual(chosen.phoneNumberId, id.phone2)
      const rows = yield* (yield* ConnectionRepository).listByTenant(who.tenantId, "meta_whatsapp")
      assert.deepStrictEqual(
        rows.map((row) => row.phoneNumberId as string | null),
        [id.phone2]
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "a redirect whose token lists no target ids (full-access system user) reconnects the WABA it already has",
    () =>
      Effect.gen(function* () {
        const connect = yield* WhatsAppConnections
        const meta = yield* MetaGraphMemoryControl
        const who = actor()
        const first = yield* approved(who)
        const connected = yield* connect.complete(first.input)
        // Reconnecting through the redirect: debug_token lists the scopes without target_ids.
        yield* meta.grant({
          code: "full-access-code",
          redirectUri: REDIRECT,
          token: "EAAfullaccess".padEnd(60, "f"),
          wabaIds: [first.id.waba],
          fullAccess: true
        })
        const started = yield* connect.start(who)
        const again = yield* connect.complete({
          ...first.input,
          state: started.state,
          cookieBinding: started.browserBinding,
          code: Redacted.make("full-access-code")
        })
        assert.strictEqual(again.status, "active")
        assert.strictEqual(again.id, connected.id)
        // A workspace with no WABA yet: a redirect names none and the token lists none, so nothing can be read.
        const stranger = actor()
        yield* meta.grant({
          code: "full-access-new",
          redirectUri: REDIRECT,
          token: "EAAfullaccessnew".padEnd(60, "g"),
          wabaIds: [first.id.waba],
          fullAccess: true
        })
        const fresh = yield* connect.start(stranger)
        const refused = yield* connect
          .complete({
            ...first.input,
            state: fresh.state,
            cookieBinding: fresh.browserBinding,
            code: Redacted.make("full-access-new")
          })
          .pipe(Effect.flip)
        assert.strictEqual(refused._tag, "MetaPermissionMissing")
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the picker marks the numbers another workspace holds before the person picks", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const holder = actor()
      const first = yield* approved(holder, { numbers: 2 })
      yield* connect.complete(first.input)
      yield* connect.chooseNumber(holder, first.id.phone as PhoneNumberId)
      // Another workspace's login granted the same WABA with its two numbers: it must choose.
      const other = actor()
      yield* meta.grant({
        code: "picker-code",
        redirectUri: REDIRECT,
        token: "EAApicker".padEnd(60, "z"),
        wabaIds: [first.id.waba]
      })
      const started = yield* connect.start(other)
      yield* connect.complete({
        ...first.input,
        state: started.state,
        cookieBinding: started.browserBinding,
        code: Redacted.make("picker-code")
      })
      const view = yield* connect.status(other)
      assert.strictEqual(view.pendingReason, "choose_number")
      assert.deepStrictEqual(
        Object.fromEntries(view.choices.map((choice) => [choice.id, choice.heldByAnotherWorkspace])),
        { [first.id.phone]: true, [first.id.phone2]: false }
      )
      const refused = yield* connect.chooseNumber(other, first.id.phone as PhoneNumberId).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "NumberAlreadyConnected")
      // Once the holder lets it go, the mark is gone.
      yield* connect.disconnect(holder)
      assert.isTrue((yield* connect.status(other)).choices.every((choice) => !choice.heldByAnotherWorkspace))
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a number another tenant holds is refused before Meta is asked to register it", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const first = yield* approved(actor())
      yield* connect.complete(first.input)
      const before = (yield* meta.calls).filter((c) => c.method === "registerNumber").length
      // The second tenant's login granted the same WABA.
      const second = actor()
      yield* meta.grant({
        code: "second-code",
        redirectUri: REDIRECT,
        token: "EAAsecond".padEnd(60, "y"),
        wabaIds: [first.id.waba]
      })
      const started = yield* connect.start(second)
      const error = yield* connect
        .complete({
          ...first.input,
          state: started.state,
          cookieBinding: started.browserBinding,
          code: Redacted.make("second-code")
        })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "NumberAlreadyConnected")
      assert.strictEqual(error.message, "This number is already connected to another workspace.")
      assert.strictEqual((yield* meta.calls).filter((c) => c.method === "registerNumber").length, before)
      assert.strictEqual((yield* connect.status(second)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a Graph failure midway leaves nothing written, and starting again works", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      for (const method of [
        "exchangeCode",
        "debugToken",
        "listPhoneNumbers",
        "subscribeApp",
        "registerNumber"
      ] as const) {
        const who = actor()
        const { input } = yield* approved(who)
        yield* meta.failWith(method, new MetaUnavailable({ detail: "boom" }))
        const error = yield* connect.complete(input).pipe(Effect.flip)
        assert.strictEqual(error._tag, "MetaUnavailable", method)
        assert.strictEqual((yield* connect.status(who)).status, "not_connected", method)
        const again = yield* approved(who)
        assert.strictEqual((yield* connect.complete(again.input)).status, "active", method)
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a number Meta will not register because of its display name stays pending with that reason", () =>
    Effect.gen(function* () {
      const who = actor()
      const { input, id } = yield* approved(who, { nameStatus: "EXPIRED" })
      const connection = yield* (yield* WhatsAppConnections).complete(input)
      assert.strictEqual(connection.status, "pending")
      const view = yield* (yield* WhatsAppConnections).status(who)
      assert.strictEqual(view.pendingReason, "display_name_review")
      // The card says in words where the review stands.
      assert.strictEqual(view.displayNameStatus, "EXPIRED")
      const registered = yield* (yield* MetaGraphMemoryControl).registeredNumbers
      assert.isUndefined(registered.find((r) => r.phoneNumberId === id.phone))
      // A name still in review does not stop registration: the number connects.
      const reviewed = actor()
      const inReview = yield* approved(reviewed, { nameStatus: "PENDING_REVIEW" })
      assert.strictEqual((yield* (yield* WhatsAppConnections).complete(inReview.input)).status, "active")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("disconnect unsubscribes at Meta, erases the token, and reconnecting reuses the row", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const { input, id } = yield* approved(who)
      const connected = yield* connect.complete(input)
      const view = yield* connect.disconnect(who)
      assert.strictEqual(view.status, "revoked")
      assert.isFalse(view.connected)
      assert.notInclude(yield* meta.subscribedWabas, id.waba)
      // Embedded Signup yields a system user's token: `DELETE /me/permissions` is never called with it.
      assert.isFalse((yield* meta.calls).some((c) => c.method === "revokePermissions"))
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(who.tenantId, connected.id))
      assert.isNull(row.accessTokenEnc)
      // Reconnect: a new login for the same number lands on the same row.
      yield* meta.grant({ code: "again", redirectUri: REDIRECT, token: "EAAagain".padEnd(60, "z"), wabaIds: [id.waba] })
      const started = yield* connect.start(who)
      const again = yield* connect.complete({
        ...input,
        state: started.state,
        cookieBinding: started.browserBinding,
        code: Redacted.make("again")
      })
      assert.strictEqual(again.id, connected.id)
      assert.strictEqual(again.status, "active")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("disconnect goes through locally when Meta fails", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      yield* connect.complete((yield* approved(who)).input)
      yield* meta.failWith("unsubscribeApp", new MetaUnavailable({ detail: "down" }))
      yield* meta.failWith("revokePermissions", new MetaUnavailable({ detail: "down" }))
      assert.strictEqual((yield* connect.disconnect(who)).status, "revoked")
      assert.strictEqual((yield* connect.disconnect(actor())).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("manual connect is for operators only, and checks the number belongs to the WABA", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const { input } = yield* operatorToken({ displayPhoneNumber: "15550102020", verifiedName: "Ops" })
      for (const role of ["member", "marketing"] as const) {
        const refused = yield* connect.connectManually(actor(role), input).pipe(Effect.flip)
        assert.strictEqual(refused._tag, "Forbidden")
      }
      const wrong = yield* connect
        .connectManually(actor("admin"), { ...input, phoneNumberId: "1111111111" as PhoneNumberId })
        .pipe(Effect.flip)
      assert.strictEqual(wrong._tag, "NoPhoneNumberGranted")
      const view = yield* connect.connectManually(actor("admin"), input)
      assert.strictEqual(view.status, "active")
      assert.strictEqual(view.phoneNumberE164, "+15550102020")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("manual connect refuses a token of another app, with a clear message, before anything else", () =>
    Effect.gen(function* () {
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const { input } = yield* operatorToken(
        { displayPhoneNumber: "15550103030", verifiedName: "Other" },
        "9999999999999999"
      )
      const before = (yield* meta.calls).length
      const who = actor("admin")
      const error = yield* connect.connectManually(who, input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaTokenAppMismatch")
      assert.include(error.message, "another Meta app")
      assert.include(error.message, APP_ID)
      assert.include(error.message, "webhooks would never reach")
      assert.deepStrictEqual(
        (yield* meta.calls).slice(before).map((call) => call.method),
        ["debugToken"]
      )
      assert.strictEqual((yield* connect.status(who)).status, "not_connected")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a user token (not Embedded Signup's) is de-authorised at Meta on disconnect", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const { input, id } = yield* approved(who, { tokenType: "USER" })
      yield* connect.complete(input)
      yield* connect.disconnect(who)
      assert.isTrue(
        (yield* meta.revokedGrants).some((g) => g.by === "revokePermissions" && g.wabaIds.includes(id.waba))
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "connecting another number retires the previous one: revoked, token erased, unsubscribed, history kept",
    () =>
      Effect.gen(function* () {
        const who = actor()
        const connect = yield* WhatsAppConnections
        const meta = yield* MetaGraphMemoryControl
        const repo = yield* ConnectionRepository
        const first = yield* approved(who)
        const one = yield* connect.complete(first.input)
        const second = yield* approved(who)
        const two = yield* connect.complete(second.input)
        assert.notStrictEqual(one.id, two.id)
        const retired = Option.getOrThrow(yield* repo.findById(who.tenantId, one.id))
        assert.strictEqual(retired.status, "revoked")
        assert.isNull(retired.accessTokenEnc)
        assert.strictEqual(retired.phoneNumberId, first.id.phone, "the row and its number stay as history")
        assert.notInclude(yield* meta.subscribedWabas, first.id.waba)
        assert.include(yield* meta.subscribedWabas, second.id.waba)
        // Its webhooks are no longer stored for the tenant, and another workspace may now take the number.
        const routed = Option.getOrThrow(yield* repo.findByPhoneNumberId(first.id.phone as PhoneNumberId))
        assert.strictEqual(routed.status, "revoked")
        const view = yield* connect.status(who)
        assert.strictEqual(view.id, two.id)
        assert.strictEqual(view.status, "active")
        const live = (yield* repo.listByTenant(who.tenantId, "meta_whatsapp")).filter((c) => c.status !== "revoked")
        assert.deepStrictEqual(
          live.map((c) => c.id),
          [two.id]
        )
        const audit = yield* (yield* AuditLog).list(who.tenantId, { first: 10 })
        assert.isTrue(
          audit.items.some((e) => e.node.action === "whatsapp.number_replaced" && e.node.resourceId === one.id)
        )
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("disconnect retires every live row of the tenant (databases written before one number per tenant)", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const repo = yield* ConnectionRepository
      const cipher = yield* TokenCipher
      const rows = []
      const wabas = []
      for (let n = 0; n < 2; n++) {
        const { input, id } = yield* approved(who)
        const connection = yield* connect.complete(input)
        rows.push(connection)
        wabas.push(id.waba)
      }
      // Put the first row back as today's code left it: still active with its token and its WABA subscribed.
      yield* repo.update(who.tenantId, rows[0]!.id, {
        status: "active",
        accessTokenEnc: yield* cipher.encrypt(Redacted.make("EAAstale".padEnd(60, "s")), {
          tenantId: who.tenantId,
          provider: "meta_whatsapp"
        })
      })
      yield* connect.disconnect(who)
      for (const row of rows) {
        const after = Option.getOrThrow(yield* repo.findById(who.tenantId, row.id))
        assert.strictEqual(after.status, "revoked")
        assert.isNull(after.accessTokenEnc)
      }
      assert.notInclude(yield* meta.subscribedWabas, wabas[1])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "two workspaces on two numbers of one WABA: disconnecting one keeps the other subscribed and its token",
    () =>
      Effect.gen(function* () {
        const connect = yield* WhatsAppConnections
        const meta = yield* MetaGraphMemoryControl
        const graph = yield* MetaGraph
        const id = ids()
        yield* meta.addWaba({
          id: id.waba,
          phoneNumbers: [
            { id: id.phone, displayPhoneNumber: "15550103030", verifiedName: "Shared A" },
            { id: id.phone2, displayPhoneNumber: "15550104040", verifiedName: "Shared B" }
          ]
        })
        const tenants = [actor("admin"), actor("admin")] as const
        const tokens = [`${id.token}a`, `${id.token}b`]
        for (const [index, who] of tenants.entries()) {
          const code = `${id.code}-${index}`
          yield* meta.grant({ code, redirectUri: REDIRECT, token: tokens[index]!, wabaIds: [id.waba] })
          yield* graph.exchangeCode(Redacted.make(code), REDIRECT)
          yield* connect.connectManually(who, {
            wabaId: id.waba as WabaId,
            phoneNumberId: (index === 0 ? id.phone : id.phone2) as PhoneNumberId,
            accessToken: Redacted.make(tokens[index]!)
          })
        }
        yield* connect.disconnect(tenants[0])
        assert.include(yield* meta.subscribedWabas, id.waba, "the other workspace still receives its webhooks")
        assert.isFalse((yield* meta.calls).some((c) => c.method === "revokePermissions"))
        const other = yield* connect.status(tenants[1])
        assert.strictEqual(other.status, "active")
        assert.isTrue((yield* graph.debugToken(Redacted.make(tokens[1]!))).isValid)
        // The last one out unsubscribes.
        yield* connect.disconnect(tenants[1])
        assert.notInclude(yield* meta.subscribedWabas, id.waba)
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "a number whose two-step PIN was set before waits for it; a wrong PIN says so; the right one connects",
    () =>
      Effect.gen(function* () {
        const who = actor()
        const connect = yield* WhatsAppConnections
        const meta = yield* MetaGraphMemoryControl
        const { input, id } = yield* approved(who, { pin: "246810" })
        const connection = yield* connect.complete(input)
        assert.strictEqual(connection.status, "pending")
        assert.strictEqual((yield* connect.status(who)).pendingReason, "pin_required")
        assert.isUndefined((yield* meta.registeredNumbers).find((r) => r.phoneNumberId === id.phone))
        assert.isUndefined(connection.metadata["registration_pin_enc"], "our random PIN was refused, not kept")

        assert.strictEqual((yield* Effect.flip(connect.register(who, null)))._tag, "InvalidPin")
        assert.strictEqual((yield* Effect.flip(connect.register(who, Redacted.make("12a456"))))._tag, "InvalidPin")
        const wrong = yield* Effect.flip(connect.register(who, Redacted.make("135790")))
        assert.strictEqual(wrong._tag, "RegistrationPinMismatch")
        assert.include(wrong.message, "That PIN is not this number's two-step verification PIN")
        const still = yield* connect.status(who)
        assert.strictEqual(still.status, "pending")
        assert.strictEqual(still.pendingReason, "pin_required")

        const done = yield* connect.register(who, Redacted.make("246810"))
        assert.strictEqual(done.status, "active")
        assert.deepStrictEqual(
          (yield* meta.registeredNumbers).find((r) => r.phoneNumberId === id.phone),
          { phoneNumberId: id.phone, pin: "246810" }
        )
        const row = Option.getOrThrow(
          yield* (yield* ConnectionRepository).findByPhoneNumberId(id.phone as PhoneNumberId)
        )
        const stored = row.metadata["registration_pin_enc"]
        assert.notInclude(JSON.stringify(row.metadata), "246810", "kept only encrypted")
        const clear = yield* (yield* TokenCipher).decrypt(stored as never, {
          tenantId: who.tenantId,
          provider: "meta_whatsapp"
        })
        assert.strictEqual(Redacted.value(clear), "246810")
        const audit = yield* (yield* AuditLog).list(who.tenantId, { first: 20 })
        assert.notInclude(JSON.stringify(audit.items), "246810", "never in the audit trail")
        assert.notInclude(JSON.stringify(audit.items), "135790")
        const actions = audit.items.map((entry) => entry.node.action)
        assert.includeMembers(actions, ["whatsapp.number_registration_refused", "whatsapp.number_registration"])
        assert.strictEqual(
          (yield* Effect.flip(connect.register(who, Redacted.make("246810"))))._tag,
          "NoRegistrationPending"
        )
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("an unverified number is not registered: pending number_not_verified until its owner verifies it", () =>
    Effect.gen(function* () {
      const who = actor()
      const connect = yield* WhatsAppConnections
      const meta = yield* MetaGraphMemoryControl
      const { input, id } = yield* approved(who, { codeVerificationStatus: "NOT_VERIFIED" })
      const connection = yield* connect.complete(input)
      assert.strictEqual(connection.status, "pending")
      assert.strictEqual((yield* connect.status(who)).pendingReason, "number_not_verified")
      const registerCalls = (yield* meta.calls).filter((c) => c.method === "registerNumber")
      assert.isUndefined(
        registerCalls.find((c) => c.args["phoneNumberId"] === id.phone),
        "not registered blindly"
      )
      // Checking again before the owner verified it: still waiting, nothing registered.
      assert.strictEqual((yield* connect.register(who, null)).pendingReason, "number_not_verified")
      assert.strictEqual((yield* meta.registeredNumbers).filter((r) => r.phoneNumberId === id.phone).length, 0)
      // Verified in WhatsApp Manager: checking again registers and connects.
      yield* meta.addWaba({
        id: id.waba,
        phoneNumbers: [{ id: id.phone, displayPhoneNumber: "+1 555-010-1234", verifiedName: "Acme" }]
      })
      assert.strictEqual((yield* connect.register(who, null)).status, "active")
      assert.isDefined((yield* meta.registeredNumbers).find((r) => r.phoneNumberId === id.phone))
    }).pipe(Effect.provide(TestLayer))
  )
})
