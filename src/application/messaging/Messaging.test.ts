import { assert, describe, it } from "@effect/vitest"
import { Clock, Effect, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { activeConnectionHolding } from "../../../test/support/ConnectTestKit.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory, MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import { MetaTokenInvalid, MetaUnavailable } from "../../domain/Errors.ts"
import type { ConversationId, PhoneNumberId, TenantId, UserId, WabaId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { TokenHealth } from "../health/TokenHealth.ts"
import { AuditLog } from "../ports/AuditLog.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { MetaGraph } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { Messaging } from "./Messaging.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"
import { MessageTemplates } from "./ports/MessageTemplates.ts"

const TestLayer = Layer.mergeAll(Messaging.layer, TokenHealth.layer).pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      PersistenceMemory,
      MetaGraphMemory,
      layerFromKeys({ active: new Uint8Array(32).fill(3), previous: [] })
    )
  )
)

/** The contacts the tests send to, as WhatsApp keys them (Brazil's and Mexico's wa_id without the extra digit). */
const CONTACTS = ["14155550100", "14155550101", "14155550103", "14155550104", "551112345678", "525512345678"]

let sequence = 0
/**
 * A tenant with an active connection whose number is registered at the fake Meta, and to which `contacts` have
 * just written (their customer service windows are open), as the webhook processor records an inbound message.
 */
const connected = (options: { expiresAt?: number; contacts?: ReadonlyArray<string> } = {}) =>
  Effect.gen(function* () {
    sequence++
    const tenantId = crypto.randomUUID() as TenantId
    const actor: Actor = { tenantId, userId: "u1" as UserId, role: "member", flags: [], ip: null, userAgent: null }
    const meta = yield* MetaGraphMemoryControl
    const waba = `70000000000${String(sequence).padStart(4, "0")}`
    const phone = `80000000000${String(sequence).padStart(4, "0")}`
    const token = `EAAsend${sequence}`.padEnd(60, "q")
    yield* meta.addWaba({
      id: waba,
      phoneNumbers: [{ id: phone, displayPhoneNumber: "15550001234", registered: true }]
    })
    yield* meta.grant({
      code: `c${sequence}`,
      redirectUri: "r",
      token,
      wabaIds: [waba],
      ...(options.expiresAt === undefined ? {} : { expiresAt: options.expiresAt })
    })
    yield* (yield* MetaGraph).exchangeCode(Redacted.make(`c${sequence}`), "r")
    const connection = yield* activeConnectionHolding(tenantId, token, { phoneNumberId: phone, wabaId: waba })
    const now = new Date(yield* Clock.currentTimeMillis)
    for (const waId of options.contacts ?? CONTACTS) {
      yield* (yield* ConversationRepository).upsert({
        tenantId,
        connectionId: connection.id,
        phoneNumberId: phone as PhoneNumberId,
        waId,
        contactName: null,
        lastMessageAt: now,
        lastInboundAt: now
      })
    }
    return { actor, connection, token, phone }
  })

describe("Messaging.sendText", () => {
  it.effect("sends through an active connection: stored pending, then sent with Meta's wamid", () =>
    Effect.gen(function* () {
      const { actor } = yield* connected()
      const message = yield* (yield* Messaging).sendText(actor, { to: "+1 (415) 555-0100", text: "Hello" })
      assert.strictEqual(message.status, "sent")
      assert.match(message.providerMessageId!, /^wamid\./)
      assert.strictEqual(message.direction, "outbound")
      const sent = yield* (yield* MetaGraphMemoryControl).sentMessages
      assert.deepStrictEqual(
        sent.filter((s) => s.providerMessageId === message.providerMessageId).map((s) => [s.to, s.text]),
        [["14155550100", "Hello"]]
      )
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("free text outside the 24-hour customer service window is refused before Meta, saying when it closed", () =>
    Effect.gen(function* () {
      const { actor } = yield* connected({ contacts: ["14155550100"] })
      const messaging = yield* Messaging
      const meta = yield* MetaGraphMemoryControl
      const conversations = yield* ConversationRepository
      const before = (yield* meta.sentMessages).length
      // A contact who never wrote: no window at all, and no empty conversation is left behind.
      const never = yield* messaging.sendText(actor, { to: "14155550199", text: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(never._tag, "OutsideCustomerServiceWindow")
      assert.strictEqual(never._tag === "OutsideCustomerServiceWindow" ? never.closedAt : "?", null)
      assert.notInclude(
        (yield* conversations.list(actor.tenantId, { first: 10 })).items.map((e) => e.node.waId),
        "14155550199"
      )
      // Inside the window (23 h 59 min after the contact wrote) it sends; at 24 h it is refused.
      const wroteAt = yield* Clock.currentTimeMillis
      yield* TestClock.adjust("1439 minutes")
      assert.strictEqual((yield* messaging.sendText(actor, { to: "14155550100", text: "In time" })).status, "sent")
      yield* TestClock.adjust("1 minute")
      const late = yield* messaging.sendText(actor, { to: "14155550100", text: "Too late" }).pipe(Effect.flip)
      assert.strictEqual(late._tag, "OutsideCustomerServiceWindow")
      assert.strictEqual(
        late._tag === "OutsideCustomerServiceWindow" ? late.closedAt : "?",
        new Date(wroteAt + 24 * 3600 * 1000).toISOString()
      )
      assert.include(late.message, "template")
      assert.strictEqual((yield* meta.sentMessages).length, before + 1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("refuses without an active connection, and nothing goes to Meta", () =>
    Effect.gen(function* () {
      const meta = yield* MetaGraphMemoryControl
      const before = (yield* meta.sentMessages).length
      const nobody: Actor = {
        tenantId: crypto.randomUUID() as TenantId,
        userId: "u" as UserId,
        role: "member",
        flags: [],
        ip: null,
        userAgent: null
      }
      const error = yield* (yield* Messaging).sendText(nobody, { to: "14155550100", text: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "NotConnected")
      const { actor, connection } = yield* connected()
      yield* (yield* ConnectionRepository).update(actor.tenantId, connection.id, {
        status: "revoked",
        accessTokenEnc: null
      })
      const revoked = yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(revoked._tag, "NotConnected")
      assert.include(revoked.message, "revoked")
      assert.strictEqual((yield* meta.sentMessages).length, before)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a restriction that blocks replies refuses sends until it expires; one that does not, sends", () =>
    Effect.gen(function* () {
      const meta = yield* MetaGraphMemoryControl
      const { actor, connection } = yield* connected()
      const repo = yield* ConnectionRepository
      const until = new Date(Date.parse("1970-01-01T00:10:00.000Z")).toISOString()
      // As the webhook processor stores an ACCOUNT_RESTRICTION (TestClock starts at the epoch).
      yield* repo.update(actor.tenantId, connection.id, {
        metadata: {
          restrictions: [
            { type: "RESTRICTED_ADD_PHONE_NUMBER_ACTION", blocks: "nothing", expires_at: null },
            { type: "RESTRICTED_BIZ_INITIATED_MESSAGING", blocks: "business_initiated", expires_at: until }
          ]
        }
      })
      const sent = yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Still replying" })
      assert.strictEqual(sent.status, "sent")
      yield* repo.update(actor.tenantId, connection.id, {
        metadata: {
          restrictions: [{ type: "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", blocks: "replies", expires_at: until }]
        }
      })
      const before = (yield* meta.sentMessages).length
      const refused = yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(refused._tag, "SendingRestricted")
      assert.include(refused.message, "RESTRICTED_CUSTOMER_INITIATED_MESSAGING")
      assert.strictEqual((yield* meta.sentMessages).length, before, "nothing went to Meta")
      yield* TestClock.adjust("9 minutes")
      assert.strictEqual(
        (yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Hi" }).pipe(Effect.flip))._tag,
        "SendingRestricted"
      )
      yield* TestClock.adjust("1 minute")
      const after = yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Back" })
      assert.strictEqual(after.status, "sent")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a retried request with the same key sends once", () =>
    Effect.gen(function* () {
      const { actor } = yield* connected()
      const messaging = yield* Messaging
      const first = yield* messaging.sendText(actor, { to: "14155550101", text: "Once", idempotencyKey: "k-1" })
      const again = yield* messaging.sendText(actor, { to: "14155550101", text: "Once", idempotencyKey: "k-1" })
      assert.strictEqual(again.id, first.id)
      const sent = (yield* (yield* MetaGraphMemoryControl).sentMessages).filter((s) => s.text === "Once")
      assert.strictEqual(sent.length, 1)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect(
    "Meta's wa_id keys the conversation: a Brazilian number with the ninth digit lands in the wa_id's thread",
    () =>
      Effect.gen(function* () {
        // The contacts wrote first (their replies carry WhatsApp's wa_id), which opened their windows.
        const { actor } = yield* connected({ contacts: ["551112345678", "525512345678"] })
        const messaging = yield* Messaging
        const conversations = yield* ConversationRepository
        const messages = yield* MessageRepository
        const first = yield* messaging.sendText(actor, { to: "+55 11 91234-5678", text: "Olá" })
        const second = yield* messaging.sendText(actor, {
          to: "5511912345678",
          text: "Tudo bem?",
          idempotencyKey: "br-2"
        })
        const retried = yield* messaging.sendText(actor, {
          to: "5511912345678",
          text: "Tudo bem?",
          idempotencyKey: "br-2"
        })
        assert.strictEqual(retried.id, second.id)
        const mexico = yield* messaging.sendText(actor, { to: "+52 1 55 1234 5678", text: "Hola" })
        const listed = (yield* conversations.list(actor.tenantId, { first: 10 })).items.map((edge) => edge.node)
        // No thread is left under the numbers as typed.
        assert.sameMembers(
          listed.map((c) => c.waId),
          ["551112345678", "525512345678"]
        )
        const brazil = listed.find((c) => c.waId === "551112345678")!
        assert.strictEqual(first.conversationId, brazil.id)
        assert.strictEqual(second.conversationId, brazil.id)
        assert.strictEqual(mexico.conversationId, listed.find((c) => c.waId === "525512345678")!.id)
        const thread = (yield* messages.listByConversation(actor.tenantId, brazil.id, { first: 10 })).items
        assert.deepStrictEqual(
          thread.map((edge) => edge.node.status),
          ["sent", "sent"]
        )
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("bad input is refused with a clear reason before anything is stored", () =>
    Effect.gen(function* () {
      const { actor } = yield* connected()
      const messaging = yield* Messaging
      for (const input of [
        { to: "abc", text: "x" },
        { to: "14155550102", text: "   " },
        { to: "14155550102", text: "x".repeat(4097) },
        { to: "14155550102", text: "x", idempotencyKey: "has spaces" }
      ]) {
        assert.strictEqual((yield* messaging.sendText(actor, input).pipe(Effect.flip))._tag, "InvalidMessage")
      }
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("Meta's refusal is stored on the message as failed with a readable reason and audited", () =>
    Effect.gen(function* () {
      const { actor } = yield* connected()
      yield* (yield* MetaGraphMemoryControl).failWith(
        "sendText",
        new MetaUnavailable({ code: 131047, detail: "Re-engagement" })
      )
      const error = yield* (yield* Messaging).sendText(actor, { to: "14155550103", text: "Late" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MessageRejected")
      assert.include(error.message, "24 hours")
      const audit = yield* (yield* AuditLog).list(actor.tenantId, { first: 5 })
      assert.strictEqual(audit.items[0]!.node.action, "whatsapp.send_failed")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a 190 from Meta turns the connection to error at once", () =>
    Effect.gen(function* () {
      const { actor, connection } = yield* connected()
      yield* (yield* MetaGraphMemoryControl).failWith(
        "sendText",
        new MetaTokenInvalid({ code: 190, detail: "expired" })
      )
      const error = yield* (yield* Messaging).sendText(actor, { to: "14155550104", text: "x" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "MetaTokenInvalid")
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "error")
      assert.strictEqual((row.metadata["error"] as { reason: string }).reason, "token_invalid")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("TokenHealth.checkAll", () => {
  it.effect("a revoked token turns its connection to error; a valid one stays active with its expiry", () =>
    Effect.gen(function* () {
      // Three days from now on the test clock (which starts at 0).
      const good = yield* connected({ expiresAt: 3 * 86_400 })
      const bad = yield* connected()
      const meta = yield* MetaGraphMemoryControl
      yield* meta.revokeToken(bad.token)
      // Meta does not renew it this time: the tenant is warned (expiring soon) and the renewal is retried next run.
      yield* meta.failWith("exchangeLongLived", new MetaUnavailable({ detail: "down" }), "always")
      const report = yield* (yield* TokenHealth).checkAll
      yield* meta.clearFailures
      assert.isAtLeast(report.invalid, 1)
      assert.isAtLeast(report.expiringSoon, 1)
      assert.isAtLeast(report.renewalFailed, 1)
      const repo = yield* ConnectionRepository
      const badRow = Option.getOrThrow(yield* repo.findById(bad.actor.tenantId, bad.connection.id))
      assert.strictEqual(badRow.status, "error")
      const goodRow = Option.getOrThrow(yield* repo.findById(good.actor.tenantId, good.connection.id))
      assert.strictEqual(goodRow.status, "active")
      assert.isNotNull(goodRow.tokenExpiresAt)
      assert.strictEqual(goodRow.metadata["token_expiring_soon"], true)
      assert.include(String((goodRow.metadata["token_renewal_failed"] as { message: string }).message), "down")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a 60-day business token is renewed before it expires: new token stored encrypted, new expiry", () =>
    Effect.gen(function* () {
      const { actor, connection, token } = yield* connected({ expiresAt: 10 * 86_400 })
      const report = yield* (yield* TokenHealth).checkAll
      assert.isAtLeast(report.renewed, 1)
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(actor.tenantId, connection.id))
      const stored = yield* (yield* TokenCipher).decrypt(row.accessTokenEnc!, {
        tenantId: actor.tenantId,
        provider: "meta_whatsapp"
      })
      assert.notStrictEqual(Redacted.value(stored), token, "the renewed token replaced the old one")
      // The test clock starts at 0: 60 days from now.
      assert.strictEqual(row.tokenExpiresAt?.getTime(), 60 * 86_400_000)
      assert.strictEqual(row.metadata["token_expiring_soon"], false)
      const exchange = (yield* (yield* MetaGraphMemoryControl).calls).filter((c) => c.method === "exchangeLongLived")
      assert.deepStrictEqual(exchange.at(-1)?.args, { businessToken60Days: "true" })
      const audit = yield* (yield* AuditLog).list(actor.tenantId, { first: 10 })
      assert.isTrue(audit.items.some((entry) => entry.node.action === "whatsapp.token_renewed"))
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a token that never expires (expires_at 0) is checked but never renewed", () =>
    Effect.gen(function* () {
      const { actor, connection } = yield* connected()
      const meta = yield* MetaGraphMemoryControl
      const before = (yield* meta.calls).filter((c) => c.method === "exchangeLongLived").length
      const report = yield* (yield* TokenHealth).checkAll
      assert.isAtLeast(report.valid, 1)
      assert.strictEqual((yield* meta.calls).filter((c) => c.method === "exchangeLongLived").length, before)
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(actor.tenantId, connection.id))
      assert.isNull(row.tokenExpiresAt)
      assert.strictEqual(row.metadata["token_expiring_soon"], false)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("Meta being unavailable changes nothing", () =>
    Effect.gen(function* () {
      const { actor, connection } = yield* connected()
      yield* (yield* MetaGraphMemoryControl).failWith("debugToken", new MetaUnavailable({ detail: "down" }), "always")
      const report = yield* (yield* TokenHealth).checkAll
      assert.isAtLeast(report.unknown, 1)
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "active")
      yield* (yield* MetaGraphMemoryControl).clearFailures
    }).pipe(Effect.provide(TestLayer))
  )
})

/** A ciphertext of `token` under another key: what the rows look like to a service started with the wrong key. */
const underOtherKey = (tenantId: TenantId, token: string) =>
  Effect.gen(function* () {
    return yield* (yield* TokenCipher).encrypt(Redacted.make(token), { tenantId, provider: "meta_whatsapp" })
  }).pipe(Effect.provide(layerFromKeys({ active: new Uint8Array(32).fill(9), previous: [] })))

describe("a token that does not decrypt is our configuration fault", () => {
  it.effect("a send answers TokenUnreadable, the message is failed (not pending), the connection stays active", () =>
    Effect.gen(function* () {
      const { actor, connection, token } = yield* connected({ contacts: ["14155550100"] })
      const repo = yield* ConnectionRepository
      yield* repo.update(actor.tenantId, connection.id, { accessTokenEnc: yield* underOtherKey(actor.tenantId, token) })
      const error = yield* (yield* Messaging).sendText(actor, { to: "14155550100", text: "Hi" }).pipe(Effect.flip)
      assert.strictEqual(error._tag, "TokenUnreadable")
      const row = Option.getOrThrow(yield* repo.findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "active")
      const conversation = yield* (yield* ConversationRepository).list(actor.tenantId, { first: 5 })
      const messages = yield* (yield* MessageRepository).listByConversation(
        actor.tenantId,
        conversation.items[0]!.node.id,
        { first: 5 }
      )
      assert.deepStrictEqual(
        messages.items.map((m) => m.node.status),
        ["failed"]
      )
      assert.strictEqual((messages.items[0]!.node.error as { reason: string }).reason, "token_unreadable")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("the health job leaves such a connection as it is and counts it", () =>
    Effect.gen(function* () {
      const { actor, connection, token } = yield* connected()
      const repo = yield* ConnectionRepository
      yield* repo.update(actor.tenantId, connection.id, { accessTokenEnc: yield* underOtherKey(actor.tenantId, token) })
      const report = yield* (yield* TokenHealth).checkAll
      assert.isAtLeast(report.undecryptable, 1)
      const row = Option.getOrThrow(yield* repo.findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "active")
      assert.isUndefined(row.metadata["error"])
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("an error row whose token Meta accepts again returns to active on the next check", () =>
    Effect.gen(function* () {
      const { actor, connection } = yield* connected()
      const repo = yield* ConnectionRepository
      // As today's code left rows after a wrong key: error, "Meta no longer accepts this connection's access token".
      yield* repo.update(actor.tenantId, connection.id, {
        status: "error",
        metadata: {
          error: { reason: "token_invalid", message: "Meta no longer accepts this connection's access token" }
        }
      })
      const report = yield* (yield* TokenHealth).checkAll
      assert.isAtLeast(report.recovered, 1)
      const row = Option.getOrThrow(yield* repo.findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "active")
      assert.isUndefined(row.metadata["error"])
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("Meta refusing our app credentials is not a tenant failure", () => {
  it.effect("debug_token's app token refused: no connection changes, the report says so", () =>
    Effect.gen(function* () {
      const { actor, connection } = yield* connected()
      const meta = yield* MetaGraphMemoryControl
      yield* meta.setAppCredentialsValid(false)
      const report = yield* (yield* TokenHealth).checkAll
      yield* meta.setAppCredentialsValid(true)
      assert.isTrue(report.appCredentialsInvalid)
      assert.strictEqual(report.invalid, 0)
      assert.strictEqual(yield* (yield* TokenHealth).appCredentials, "invalid")
      const row = Option.getOrThrow(yield* (yield* ConnectionRepository).findById(actor.tenantId, connection.id))
      assert.strictEqual(row.status, "active")
      const after = yield* (yield* TokenHealth).checkAll
      assert.isFalse(after.appCredentialsInvalid)
      assert.strictEqual(yield* (yield* TokenHealth).appCredentials, "valid")
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("Messaging.sendText in a conversation (numbers across reconnects)", () => {
  it.effect(
    "a reply in an old number's thread is refused, naming that number; the connected number's thread sends",
    () =>
      Effect.gen(function* () {
        const { actor, connection, phone } = yield* connected({ contacts: ["14155550100"] })
        const repo = yield* ConnectionRepository
        const conversations = yield* ConversationRepository
        const meta = yield* MetaGraphMemoryControl
        // The tenant's earlier number (retired by a reconnect with another number id), with its own thread.
        const old = yield* repo.claimNumber(`9${phone.slice(1)}` as PhoneNumberId, {
          ...connection,
          tenantId: actor.tenantId,
          status: "revoked",
          phoneNumberE164: "+15550009999",
          accessTokenEnc: null,
          connectedAt: new Date(),
          metadata: {}
        })
        const now = new Date(yield* Clock.currentTimeMillis)
        const oldThread = yield* conversations.upsert({
          tenantId: actor.tenantId,
          connectionId: old.id,
          phoneNumberId: old.phoneNumberId!,
          waId: "14155550100",
          contactName: null,
          lastMessageAt: now,
          lastInboundAt: now
        })
        const current = (yield* conversations.findByContacts(actor.tenantId, phone as PhoneNumberId, [
          "14155550100"
        ]))[0]!
        assert.notStrictEqual(oldThread.id, current.id, "one thread per contact and number")
        const before = (yield* meta.sentMessages).length
        const refused = yield* (yield* Messaging)
          .sendText(actor, { to: "14155550100", text: "Hi", conversationId: oldThread.id as ConversationId })
          .pipe(Effect.flip)
        assert.strictEqual(refused._tag, "ConversationOnOtherNumber")
        if (refused._tag !== "ConversationOnOtherNumber") return
        assert.strictEqual(refused.phoneNumberId, old.phoneNumberId)
        assert.strictEqual(refused.displayPhoneNumber, "+15550009999")
        assert.strictEqual(refused.connectedPhoneNumberId, phone)
        assert.include(refused.message, "+15550009999")
        assert.strictEqual((yield* meta.sentMessages).length, before, "nothing went to Meta")
        const unknown = yield* (yield* Messaging)
          .sendText(actor, { to: "14155550100", text: "Hi", conversationId: crypto.randomUUID() as ConversationId })
          .pipe(Effect.flip)
        assert.strictEqual(unknown._tag, "ConversationNotFound")
        const otherContact = yield* (yield* Messaging)
          .sendText(actor, { to: "14155550199", text: "Hi", conversationId: current.id as ConversationId })
          .pipe(Effect.flip)
        assert.strictEqual(otherContact._tag, "InvalidMessage")
        const sent = yield* (yield* Messaging).sendText(actor, {
          to: "14155550100",
          text: "Hi",
          conversationId: current.id as ConversationId
        })
        assert.strictEqual(sent.conversationId, current.id)
        assert.strictEqual(sent.status, "sent")
      }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a reconnect of the same number keeps the contact's thread", () =>
    Effect.gen(function* () {
      const { actor, connection, phone } = yield* connected({ contacts: ["14155550100"] })
      const conversations = yield* ConversationRepository
      const before = (yield* conversations.findByContacts(actor.tenantId, phone as PhoneNumberId, ["14155550100"]))[0]!
      const again = yield* (yield* ConnectionRepository).claimNumber(phone as PhoneNumberId, {
        ...connection,
        tenantId: actor.tenantId,
        connectedAt: new Date(),
        metadata: { reconnected: true }
      })
      assert.strictEqual(again.id, connection.id)
      const sent = yield* (yield* Messaging).sendText(actor, {
        to: "14155550100",
        text: "Back",
        conversationId: before.id as ConversationId
      })
      assert.strictEqual(sent.conversationId, before.id)
    }).pipe(Effect.provide(TestLayer))
  )
})

describe("Messaging.sendTemplate", () => {
  /** The WABA's templates as a sync stores them (read from the fake Meta, which starts with hello_world). */
  const synced = (actor: Actor, wabaId: string, token: string) =>
    Effect.gen(function* () {
      const remote = yield* (yield* MetaGraph).listTemplates(Redacted.make(token), wabaId as WabaId)
      const at = new Date(yield* Clock.currentTimeMillis)
      yield* (yield* MessageTemplates).replaceAll(
        actor.tenantId,
        wabaId,
        remote.map((t) => ({ ...t, wabaId, updatedAt: at }))
      )
    })

  it.effect("an approved template goes outside the window, with its values; wrong values are refused locally", () =>
    Effect.gen(function* () {
      const { actor, connection, token } = yield* connected({ contacts: [] })
      const meta = yield* MetaGraphMemoryControl
      yield* (yield* MetaGraph).createTemplate(Redacted.make(token), connection.wabaId!, {
        name: "order_ready",
        language: "en_US",
        category: "UTILITY",
        parameterFormat: "POSITIONAL",
        headerText: null,
        bodyText: "Hi {{1}}, order {{2}} is ready.",
        footerText: null,
        bodyExamples: ["Ann", "42"]
      })
      yield* synced(actor, connection.wabaId!, token)
      const messaging = yield* Messaging
      // Pending review: refused here, nothing sent.
      const pending = yield* messaging
        .sendTemplate(actor, { to: "14155550100", name: "order_ready", language: "en_US", parameters: { body: [] } })
        .pipe(Effect.flip)
      assert.strictEqual(pending._tag, "TemplateNotApproved")
      assert.strictEqual(pending._tag === "TemplateNotApproved" ? pending.status : "", "PENDING")
      yield* meta.reviewTemplate(connection.wabaId!, "order_ready", "en_US", "APPROVED")
      yield* synced(actor, connection.wabaId!, token)
      const wrong = yield* messaging
        .sendTemplate(actor, {
          to: "14155550100",
          name: "order_ready",
          language: "en_US",
          parameters: { body: [{ text: "Ann" }] }
        })
        .pipe(Effect.flip)
      assert.strictEqual(wrong._tag, "TemplateParametersInvalid")
      assert.include(wrong.message, "2 placeholders; 1 value was given")
      const named = yield* messaging
        .sendTemplate(actor, {
          to: "14155550100",
          name: "order_ready",
          language: "en_US",
          parameters: {
            body: [
              { name: "who", text: "Ann" },
              { name: "order", text: "42" }
            ]
          }
        })
        .pipe(Effect.flip)
      assert.strictEqual(named._tag, "TemplateParametersInvalid")
      const unknown = yield* messaging
        .sendTemplate(actor, { to: "14155550100", name: "order_ready", language: "pt_BR", parameters: { body: [] } })
        .pipe(Effect.flip)
      assert.strictEqual(unknown._tag === "TemplateNotApproved" ? unknown.status : "x", null)
      // No contact wrote (the window is closed): the template goes anyway, its text rendered in the thread.
      const sent = yield* messaging.sendTemplate(actor, {
        to: "14155550100",
        name: "order_ready",
        language: "en_US",
        parameters: { body: [{ text: "Ann" }, { text: "42" }] },
        idempotencyKey: "tpl-1"
      })
      assert.strictEqual(sent.status, "sent")
      assert.strictEqual(sent.type, "template")
      assert.deepStrictEqual(sent.body, {
        template: { name: "order_ready", language: "en_US", text: "Hi Ann, order 42 is ready." }
      })
      const again = yield* messaging.sendTemplate(actor, {
        to: "14155550100",
        name: "order_ready",
        language: "en_US",
        parameters: { body: [{ text: "Ann" }, { text: "42" }] },
        idempotencyKey: "tpl-1"
      })
      assert.strictEqual(again.id, sent.id)
      assert.strictEqual((yield* meta.sentMessages).filter((m) => m.text === "template:order_ready").length, 1)
      // Free text to the same contact is still refused: the template does not open the window.
      const text = yield* messaging.sendText(actor, { to: "14155550100", text: "hi" }).pipe(Effect.flip)
      assert.strictEqual(text._tag, "OutsideCustomerServiceWindow")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("Meta paused it after the sync: 132015 comes back typed (MessageRejected, template_paused)", () =>
    Effect.gen(function* () {
      const { actor, connection, token } = yield* connected()
      yield* synced(actor, connection.wabaId!, token)
      yield* (yield* MetaGraphMemoryControl).reviewTemplate(connection.wabaId!, "hello_world", "en_US", "PAUSED")
      const error = yield* (yield* Messaging)
        .sendTemplate(actor, { to: "14155550100", name: "hello_world", language: "en_US", parameters: { body: [] } })
        .pipe(Effect.flip)
      assert.strictEqual(error._tag, "MessageRejected")
      assert.strictEqual(error._tag === "MessageRejected" ? error.reason : "", "template_paused")
    }).pipe(Effect.provide(TestLayer))
  )
})
