import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { approvedCallback, MemoryPorts, testActor } from "../../../test/support/ConnectTestKit.ts"
import { MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import type { Actor } from "../Actor.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import type { CallbackInput, SessionInfo } from "./OAuthFlow.ts"
import { WhatsAppConnections } from "./WhatsAppConnections.ts"

const TestLayer = WhatsAppConnections.layer.pipe(Layer.provideMerge(MemoryPorts))

let sequence = 0
const ids = () => {
  sequence++
  const n = String(sequence).padStart(3, "0")
  return {
    waba: `6000000000000${n}`,
    other: `6100000000000${n}`,
    phone: `3000000000000${n}`,
    phone2: `4000000000000${n}`,
    foreignPhone: `4100000000000${n}`,
    code: `popup-code-${sequence}`,
    token: `EAApopup${sequence}${"x".repeat(40)}`
  }
}

const finish = (wabaId: string | null, phoneNumberId: string | null): SessionInfo => ({
  kind: "finish",
  wabaId,
  phoneNumberId,
  businessId: "2729063490586005"
})

/**
 * FB.login's popup granted a WABA with two numbers (and the token may read a second WABA with its own number);
 * returns the completion input the page posts, with the given session info.
 */
const popupApproved = (
  who: Actor,
  sessionInfo: (id: ReturnType<typeof ids>) => SessionInfo | null,
  options: { fullAccess?: boolean; registered?: boolean } = {}
) =>
  Effect.gen(function* () {
    const meta = yield* MetaGraphMemoryControl
    const connect = yield* WhatsAppConnections
    const id = ids()
    yield* meta.addWaba({
      id: id.waba,
      phoneNumbers: [
        { id: id.phone, displayPhoneNumber: "+1 555-010-1234", verifiedName: "Acme" },
        { id: id.phone2, displayPhoneNumber: "+1 555-010-9999", verifiedName: "Acme Two" }
      ]
    })
    // A WABA (and number) the token was not granted.
    yield* meta.addWaba({
      id: id.other,
      phoneNumbers: [{ id: id.foreignPhone, displayPhoneNumber: "+1 555-010-7777", verifiedName: "Other" }]
    })
    yield* meta.grant({
      code: id.code,
      redirectUri: null,
      token: id.token,
      wabaIds: [id.waba],
      ...(options.fullAccess === true ? { fullAccess: true } : {})
    })
    const started = yield* connect.start(who)
    const input: CallbackInput = {
      ...approvedCallback(started, id.code, who),
      popup: { sessionInfo: sessionInfo(id), tenantId: who.tenantId }
    }
    return { input, id, started }
  })

const stored = (who: Actor) =>
  Effect.gen(function* () {
    const repo = yield* ConnectionRepository
    return yield* repo.findCurrent(who.tenantId, "meta_whatsapp")
  })

describe("WhatsApp popup flow (Embedded Signup v4 session info)", () => {
  it.effect("connects the number picked in Meta's dialog, the code exchanged without redirect_uri, no picker", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input, id } = yield* popupApproved(who, (id) => finish(id.waba, id.phone2))
      const connection = yield* (yield* WhatsAppConnections).complete(input)
      assert.strictEqual(connection.status, "active")
      assert.strictEqual(connection.phoneNumberId, id.phone2)
      assert.strictEqual(connection.displayName, "Acme Two")
      const calls = yield* (yield* MetaGraphMemoryControl).calls
      const exchange = calls.find((c) => c.method === "exchangeCode")!
      assert.strictEqual(exchange.args["redirectUri"], "(none)")
      const entries = yield* (yield* AuditLog).list(who.tenantId, { first: 5 })
      assert.strictEqual(entries.items[0]!.node.action, "whatsapp.connected")
      assert.strictEqual(entries.items[0]!.node.details["via"], "popup")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a popup code passed to the redirect exchange fails at Meta (the memory fake is as strict)", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input } = yield* popupApproved(who, (id) => finish(id.waba, id.phone))
      const { popup: _popup, ...asCallback } = input
      const error = yield* (yield* WhatsAppConnections).complete(asCallback).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaUnavailable")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("session info naming a WABA the token cannot read is refused with nothing stored", () =>
    Effect.gen(function* () {
      for (const fullAccess of [false, true]) {
        const who = testActor()
        const { input } = yield* popupApproved(who, (id) => finish(id.other, id.foreignPhone), { fullAccess })
        const error = yield* (yield* WhatsAppConnections).complete(input).pipe(Effect.flip)
        assert.strictEqual(error._tag, "SessionMismatch", `fullAccess=${fullAccess}`)
        assert.isTrue(Option.isNone(yield* stored(who)))
        const meta = yield* MetaGraphMemoryControl
        assert.notInclude(yield* meta.subscribedWabas, input.popup!.sessionInfo!.wabaId!)
        const entries = yield* (yield* AuditLog).list(who.tenantId, { first: 5 })
        assert.deepStrictEqual(
          [entries.items[0]!.node.action, entries.items[0]!.node.details["reason"]],
          ["whatsapp.connect_failed", "session_mismatch"]
        )
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("session info naming a number outside the WABA is refused with nothing stored", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input } = yield* popupApproved(who, (id) => finish(id.waba, id.foreignPhone))
      const error = yield* (yield* WhatsAppConnections).complete(input).pipe(Effect.flip)
      assert.strictEqual(error._tag, "SessionMismatch")
      assert.isTrue(Option.isNone(yield* stored(who)))
      assert.deepStrictEqual(yield* (yield* MetaGraphMemoryControl).registeredNumbers, [])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a full-access token (no target_ids) is verified by reading the WABA, then connects", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input, id } = yield* popupApproved(who, (id) => finish(id.waba, id.phone), { fullAccess: true })
      const connection = yield* (yield* WhatsAppConnections).complete(input)
      assert.strictEqual(connection.phoneNumberId, id.phone)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("FINISH_ONLY_WABA waits for a number, pending with that next step", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input, id } = yield* popupApproved(who, (id) => ({ ...finish(id.waba, null), kind: "only_waba" }))
      const connection = yield* (yield* WhatsAppConnections).complete(input)
      assert.strictEqual(connection.status, "pending")
      assert.strictEqual(connection.wabaId, id.waba)
      assert.strictEqual(connection.metadata["pending_reason"], "add_phone_number")
      assert.strictEqual((yield* (yield* WhatsAppConnections).status(who)).pendingReason, "add_phone_number")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("Coexistence connects the app's number without registering it, and says so", () =>
    Effect.gen(function* () {
      const who = testActor()
      const meta = yield* MetaGraphMemoryControl
      const id = ids()
      yield* meta.addWaba({
        id: id.waba,
        phoneNumbers: [{ id: id.phone, displayPhoneNumber: "+1 555-010-4444", verifiedName: "Shop App" }]
      })
      yield* meta.grant({ code: id.code, redirectUri: null, token: id.token, wabaIds: [id.waba] })
      const started = yield* (yield* WhatsAppConnections).start(who)
      const connection = yield* (yield* WhatsAppConnections).complete({
        ...approvedCallback(started, id.code, who),
        popup: {
          sessionInfo: { kind: "coexistence", wabaId: id.waba, phoneNumberId: null, businessId: null },
          tenantId: who.tenantId
        }
      })
      assert.strictEqual(connection.status, "active")
      assert.strictEqual(connection.metadata["coexistence"], true)
      assert.deepStrictEqual(yield* meta.registeredNumbers, [])
      assert.isFalse((yield* meta.calls).some((c) => c.method === "registerNumber"))
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a state started by another workspace is refused and not spent", () =>
    Effect.gen(function* () {
      const who = testActor()
      const { input } = yield* popupApproved(who, (id) => finish(id.waba, id.phone))
      const intruder = testActor()
      const refused = yield* (yield* WhatsAppConnections)
        .complete({ ...input, popup: { ...input.popup!, tenantId: intruder.tenantId } })
        .pipe(Effect.flip)
      assert.strictEqual(refused._tag, "OAuthStateMismatch")
      const connection = yield* (yield* WhatsAppConnections).complete(input)
      assert.strictEqual(connection.status, "active")
    }).pipe(Effect.provide(TestLayer))
  )
})
