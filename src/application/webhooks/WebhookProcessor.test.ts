import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Fiber, Layer, Option, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory, MetaGraphMemoryControl } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhookDecoder } from "../../adapters/meta-graph/MetaWebhooks.ts"
import { AuditLogMemory } from "../../adapters/persistence/AuditLogMemory.ts"
import { ConnectionHealthRepositoryMemory } from "../../adapters/persistence/ConnectionHealthRepositoryMemory.ts"
import { ConnectionRepositoryMemory } from "../../adapters/persistence/ConnectionRepositoryMemory.ts"
import { ConversationRepositoryMemory } from "../../adapters/persistence/ConversationRepositoryMemory.ts"
import { InboundBatchStoreMemory } from "../../adapters/persistence/InboundBatchStoreMemory.ts"
import { MediaRepositoryMemory } from "../../adapters/persistence/MediaRepositoryMemory.ts"
import { MessageRepositoryMemory } from "../../adapters/persistence/MessageRepositoryMemory.ts"
import { OutboxMemory } from "../../adapters/persistence/OutboxMemory.ts"
import { WebhookInboxMemory } from "../../adapters/persistence/WebhookInboxMemory.ts"
import type { ChannelConnection } from "../../domain/ChannelConnection.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { MAX_WEBHOOK_ATTEMPTS, unixSecondsToDate } from "../../domain/WebhookEvent.ts"
import { summaryOf } from "../connect/OAuthFlow.ts"
import { MessageRepository } from "../messaging/ports/MessageRepository.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { MetaGraph } from "../ports/MetaGraph.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { WebhookInbox } from "./ports/WebhookInbox.ts"
import { purgeProcessed, purgeUnrouted, WebhookProcessor } from "./WebhookProcessor.ts"

/** The message store dies on every insert, as a bug or a broken disk would: a defect, not a typed error. */
const DyingMessages = Layer.effect(
  MessageRepository,
  Effect.gen(function* () {
    const real = yield* MessageRepository
    return MessageRepository.of({ ...real, insert: () => Effect.die(new RangeError("Invalid time value")) })
  })
).pipe(Layer.provide(MessageRepositoryMemory))

const TestLayer = WebhookProcessor.layer.pipe(
  Layer.provideMerge(MetaWebhookDecoder),
  Layer.provideMerge(InboundBatchStoreMemory),
  Layer.provideMerge(
    Layer.mergeAll(
      DyingMessages,
      MediaRepositoryMemory,
      ConnectionRepositoryMemory,
      ConnectionHealthRepositoryMemory,
      ConversationRepositoryMemory.pipe(Layer.provide([MessageRepositoryMemory, ConnectionRepositoryMemory])),
      WebhookInboxMemory,
      AuditLogMemory,
      MetaGraphMemory,
      layerFromKeys({ active: new Uint8Array(32).fill(4), previous: [] })
    ).pipe(Layer.provide(OutboxMemory.layer))
  )
)

const body = (phoneNumberId: string) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "524126980791429",
      changes: [
        {
          field: "messages",
          value: {
            metadata: { phone_number_id: phoneNumberId },
            messages: [{ from: "14155550001", id: "wamid.dies", timestamp: "1767225600", type: "text" }]
          }
        }
      ]
    }
  ]
})

layer(TestLayer)("WebhookProcessor failure accounting", (it) => {
  it.effect("a defect counts as an attempt: after the cap the event is failed with the defect's text", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const phoneNumberId = "106540352242922" as PhoneNumberId
      const tenantId = crypto.randomUUID() as TenantId
      const claimed = yield* (yield* ConnectionRepository).claimNumber(phoneNumberId, {
        tenantId,
        provider: "meta_whatsapp",
        status: "active",
        wabaId: null,
        phoneNumberE164: null,
        displayName: null,
        accessTokenEnc: null,
        tokenExpiresAt: null,
        scopes: [],
        metadata: {}
      })
      const raw = JSON.stringify(body(phoneNumberId))
      const id = yield* inbox.accept({
        provider: "meta_whatsapp",
        bodySha256: "0".repeat(64),
        raw: new TextEncoder().encode(raw),
        payload: JSON.parse(raw),
        receivedAt: new Date(0)
      })
      const lastWebhookAt = Effect.map(
        (yield* ConnectionHealthRepository).get(tenantId, claimed.id),
        (health) => health.lastWebhookAt
      )
      assert.deepStrictEqual(yield* lastWebhookAt, null, "nothing received yet")
      for (let attempt = 1; attempt < MAX_WEBHOOK_ATTEMPTS; attempt++) {
        assert.strictEqual(yield* processor.drain, 1, `attempt ${attempt} claimed`)
        // Routed to the connection before the store died: the connection heard from Meta (the silence gauge).
        assert.deepStrictEqual(yield* lastWebhookAt, new Date(yield* Clock.currentTimeMillis), "stamped when routed")
        assert.strictEqual((yield* inbox.stats(new Date(0))).pending, 1, "still pending, retried later")
        assert.strictEqual(yield* processor.drain, 0, "not due again at once")
        yield* TestClock.adjust("10 minutes")
      }
      assert.strictEqual(yield* processor.drain, 1)
      const failed = yield* inbox.listFailed(10)
      assert.deepStrictEqual(
        failed.map((event) => [event.id, event.attempts, event.lastError]),
        [[id, MAX_WEBHOOK_ATTEMPTS, "unexpected: RangeError: Invalid time value"]]
      )
      yield* TestClock.adjust("1 day")
      assert.strictEqual(yield* processor.drain, 0, "a failed event is not retried")
    })
  )
})

layer(TestLayer)("the claim's size", (it) => {
  it.effect("a full claim doubles the next; a short one keeps room for twice what it took, up to 800", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const raw = JSON.stringify(body("999000111222334"))
      const arrive = (count: number) =>
        Effect.forEach(
          Array.from({ length: count }, () => crypto.randomUUID().replaceAll("-", "").padEnd(64, "0")),
          (bodySha256) =>
            inbox.accept({
              provider: "meta_whatsapp",
              bodySha256,
              raw: new TextEncoder().encode(raw),
              payload: JSON.parse(raw),
              receivedAt: new Date(0)
            }),
          { discard: true }
        )
      const claimedAfter = (count: number) => Effect.andThen(arrive(count), processor.drain)
      assert.strictEqual(yield* claimedAfter(100), 100, "the first claim takes 100")
      assert.strictEqual(yield* claimedAfter(150), 150, "the second may take 200: 150 waited")
      // Short: the inbox was emptied. Under steady intake about as many arrive meanwhile; the next claim takes
      // them all (it used to go back to 100, leaving 150 behind).
      assert.strictEqual(yield* claimedAfter(250), 250)
      assert.strictEqual(yield* claimedAfter(1_000), 500, "full: 500 of 1,000")
      assert.strictEqual(yield* processor.drain, 500, "the next takes the rest, up to 800")
      assert.strictEqual(yield* claimedAfter(10), 10, "a trickle")
      assert.strictEqual(yield* processor.drain, 0)
      // After a trickle the claim is back to 100, doubling while full, never above 800.
      yield* arrive(2_000)
      const sizes = []
      for (let claimed = yield* processor.drain; claimed > 0; claimed = yield* processor.drain) sizes.push(claimed)
      assert.deepStrictEqual(sizes, [100, 200, 400, 800, 500])
    })
  )
})

layer(TestLayer)("unrouted retention", (it) => {
  it.effect("an unrouted event is deleted once it is older than the retention, not before", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const raw = JSON.stringify(body("999000111222333"))
      yield* inbox.accept({
        provider: "meta_whatsapp",
        bodySha256: "1".repeat(64),
        raw: new TextEncoder().encode(raw),
        payload: JSON.parse(raw),
        receivedAt: new Date(0)
      })
      assert.strictEqual(yield* processor.drain, 1)
      assert.strictEqual((yield* inbox.stats(new Date(0))).unrouted, 1)
      yield* TestClock.adjust("6 days")
      assert.strictEqual(yield* purgeUnrouted(inbox, 7), 0, "kept while Meta may still be retrying")
      yield* TestClock.adjust("1 day")
      assert.strictEqual(yield* purgeUnrouted(inbox, 7), 0, "exactly 7 days old is kept")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* purgeUnrouted(inbox, 7), 1)
      assert.strictEqual((yield* inbox.stats(new Date(0))).unrouted, 0)
    })
  )
})

layer(TestLayer)("processed retention", (it) => {
  it.effect("processed events are deleted in batches once older than the retention; pending ones never", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const ids = []
      for (let i = 0; i < 5; i++) {
        const raw = JSON.stringify({ object: "whatsapp_business_account", entry: [], i })
        ids.push(
          yield* inbox.accept({
            provider: "meta_whatsapp",
            bodySha256: String(i).repeat(64),
            raw: new TextEncoder().encode(raw),
            payload: JSON.parse(raw),
            receivedAt: new Date(0)
          })
        )
      }
      const claimed = yield* inbox.claim(4, 60, new Date(0))
      for (const event of claimed) yield* inbox.markProcessed(event.id, new Date(0))
      yield* TestClock.adjust("14 days")
      assert.strictEqual(yield* purgeProcessed(inbox, 14, 2, "1 milli"), 0, "exactly 14 days old is kept")
      yield* TestClock.adjust("1 second")
      const purged = yield* purgeProcessed(inbox, 14, 2, "1 milli").pipe(Effect.forkChild)
      yield* TestClock.adjust("10 millis")
      assert.strictEqual(yield* Fiber.join(purged), 4, "two batches of two, then a short one")
      assert.strictEqual((yield* inbox.stats(new Date(0))).pending, 1, "the pending one stays")
    })
  )
})

layer(Layer.empty)("unixSecondsToDate", (it) => {
  it.effect("reads Meta's Unix seconds, and refuses what no calendar holds", () =>
    Effect.sync(() => {
      assert.strictEqual(unixSecondsToDate("1767225600")?.toISOString(), "2026-01-01T00:00:00.000Z")
      for (const absurd of ["99999999999999", "0", "-5", "", " ", "soon", "1e400", "253402300800"]) {
        assert.isNull(unixSecondsToDate(absurd), absurd)
      }
      assert.strictEqual(unixSecondsToDate("253402300799")?.toISOString(), "9999-12-31T23:59:59.000Z")
    })
  )
})

/** Meta's `phone_number_name_update` for a number of a WABA (its reference's payload). */
const nameUpdate = (wabaId: string, digits: string, decision: string, rejection = "NONE") => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: wabaId,
      time: 1767225600,
      changes: [
        {
          field: "phone_number_name_update",
          value: {
            display_phone_number: digits,
            decision,
            requested_verified_name: "Acme",
            rejection_reason: rejection
          }
        }
      ]
    }
  ]
})

layer(TestLayer)("display-name review", (it) => {
  /** A number of a new WABA at the fake Meta, and this tenant's connection to it in `status`. */
  const holding = (status: "pending" | "active", nameStatus: string) =>
    Effect.gen(function* () {
      const meta = yield* MetaGraphMemoryControl
      const graph = yield* MetaGraph
      const cipher = yield* TokenCipher
      const n = crypto.getRandomValues(new Uint32Array(1))[0]!
      const wabaId = `3${String(n).padStart(14, "0")}` as WabaId
      const phoneNumberId = `4${String(n).padStart(14, "0")}` as PhoneNumberId
      const digits = `1555${String(n % 10_000_000).padStart(7, "0")}`
      const tenantId = crypto.randomUUID() as TenantId
      yield* meta.addWaba({ id: wabaId, phoneNumbers: [{ id: phoneNumberId, displayPhoneNumber: digits, nameStatus }] })
      yield* meta.grant({ code: `code-${n}`, redirectUri: null, token: `token-${n}`, wabaIds: [wabaId] })
      const exchanged = yield* graph.exchangeCode(Redacted.make(`code-${n}`), null)
      const connection = yield* (yield* ConnectionRepository).claimNumber(phoneNumberId, {
        tenantId,
        provider: "meta_whatsapp",
        status,
        wabaId,
        phoneNumberE164: `+${digits}`,
        displayName: "Acme",
        accessTokenEnc: yield* cipher.encrypt(exchanged.accessToken, { tenantId, provider: "meta_whatsapp" }),
        tokenExpiresAt: null,
        scopes: [],
        metadata: status === "pending" ? { pending_reason: "display_name_review", name_status: nameStatus } : {}
      })
      return { wabaId, phoneNumberId, digits, tenantId, connection }
    })
  const deliver = (payload: unknown) =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const raw = JSON.stringify(payload)
      const id = yield* inbox.accept({
        provider: "meta_whatsapp",
        bodySha256: crypto.randomUUID().replaceAll("-", "").padEnd(64, "0"),
        raw: new TextEncoder().encode(raw),
        payload,
        receivedAt: new Date(yield* Clock.currentTimeMillis)
      })
      yield* (yield* WebhookProcessor).drain
      return id
    })
  const row = (tenantId: TenantId, id: ChannelConnection["id"]) =>
    Effect.map(
      Effect.flatMap(ConnectionRepository, (repo) => repo.findById(tenantId, id)),
      Option.getOrThrow
    )

  it.effect("APPROVED registers the number with a PIN kept encrypted, and the pending connection becomes active", () =>
    Effect.gen(function* () {
      const { wabaId, phoneNumberId, digits, tenantId, connection } = yield* holding("pending", "NONE")
      // Meta approved the name: the number can register from now on.
      yield* (yield* MetaGraphMemoryControl).addWaba({
        id: wabaId,
        phoneNumbers: [{ id: phoneNumberId, displayPhoneNumber: digits, nameStatus: "APPROVED" }]
      })
      yield* deliver(nameUpdate(wabaId, digits, "APPROVED"))
      const after = yield* row(tenantId, connection.id)
      assert.strictEqual(after.status, "active")
      assert.isUndefined(after.metadata["pending_reason"])
      assert.strictEqual(after.metadata["name_status"], "APPROVED")
      assert.isString(after.metadata["registration_pin_enc"])
      const registered = yield* (yield* MetaGraphMemoryControl).registeredNumbers
      assert.isTrue(registered.some((r) => r.phoneNumberId === phoneNumberId))
      assert.notInclude(JSON.stringify(after.metadata), registered.find((r) => r.phoneNumberId === phoneNumberId)!.pin)
    })
  )

  it.effect("APPROVED but Meta refuses the registration: the connection stays pending and the event is retried", () =>
    Effect.gen(function* () {
      const { wabaId, digits, tenantId, connection } = yield* holding("pending", "NONE")
      // Meta still refuses to register the number (its name status has not caught up).
      const id = yield* deliver(nameUpdate(wabaId, digits, "APPROVED"))
      const after = yield* row(tenantId, connection.id)
      assert.strictEqual(after.status, "pending")
      assert.strictEqual(after.metadata["pending_reason"], "display_name_review")
      const stats = yield* (yield* WebhookInbox).stats(new Date(yield* Clock.currentTimeMillis))
      assert.isAtLeast(stats.pending, 1, "retried later, not parked")
      // Meta keeps refusing: after the last attempt the event is parked for an operator with Meta's words.
      for (let i = 0; i < MAX_WEBHOOK_ATTEMPTS; i++) {
        yield* TestClock.adjust("10 minutes")
        yield* (yield* WebhookProcessor).drain
      }
      const failed = yield* (yield* WebhookInbox).listFailed(100)
      assert.isTrue(
        failed.some((event) => event.id === id && event.lastError?.includes("valid display name certificate")),
        JSON.stringify(failed)
      )
      assert.strictEqual((yield* row(tenantId, connection.id)).status, "pending")
    })
  )

  it.effect("REJECTED keeps the connection pending and records why; DEFERRED changes neither", () =>
    Effect.gen(function* () {
      const { wabaId, digits, tenantId, connection } = yield* holding("pending", "PENDING_REVIEW")
      yield* deliver(nameUpdate(wabaId, digits, "DEFERRED"))
      const deferred = yield* row(tenantId, connection.id)
      assert.strictEqual(deferred.status, "pending")
      assert.strictEqual(deferred.metadata["name_status"], "PENDING_REVIEW")
      yield* deliver(nameUpdate(wabaId, digits, "REJECTED", "Generic name"))
      const after = yield* row(tenantId, connection.id)
      assert.strictEqual(after.status, "pending")
      assert.strictEqual(after.metadata["pending_reason"], "display_name_review")
      assert.strictEqual(after.metadata["name_status"], "DECLINED")
      const review = after.metadata["name_review"] as { message: string; rejection_reason: string }
      assert.strictEqual(review.rejection_reason, "Generic name")
      assert.include(review.message, 'Meta rejected the display name "Acme" (Generic name)')
      assert.strictEqual(summaryOf(after).error, review.message)
    })
  )

  it.effect("APPROVED for an active number only records the name; a number no connection holds is ignored", () =>
    Effect.gen(function* () {
      const { wabaId, digits, tenantId, connection } = yield* holding("active", "PENDING_REVIEW")
      yield* deliver(nameUpdate(wabaId, digits, "APPROVED"))
      const after = yield* row(tenantId, connection.id)
      assert.strictEqual(after.status, "active")
      assert.strictEqual(after.metadata["name_status"], "APPROVED")
      assert.isUndefined(after.metadata["registration_pin_enc"], "nothing registered again")
      const before = yield* (yield* WebhookInbox).stats(new Date(yield* Clock.currentTimeMillis))
      yield* deliver(nameUpdate("399999999999999", "15550000000", "APPROVED"))
      const stats = yield* (yield* WebhookInbox).stats(new Date(yield* Clock.currentTimeMillis))
      assert.strictEqual(stats.unrouted, before.unrouted)
      assert.strictEqual(stats.pending, before.pending)
      assert.strictEqual(stats.failed, before.failed)
    })
  )
})

const accountUpdate = (wabaId: string, event: string) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: wabaId,
      time: 1000,
      changes: [{ field: "account_update", value: { event, waba_info: { waba_id: wabaId, owner_business_id: "1" } } }]
    }
  ]
})

layer(TestLayer)("account updates go through the domain's transition", (it) => {
  it.effect("Meta revoking ends the connection with no token and no expiry; a later ban leaves it so", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const repo = yield* ConnectionRepository
      const wabaId = "924126980791429" as WabaId
      const connection = yield* repo.claimNumber("206540352242922" as PhoneNumberId, {
        tenantId: crypto.randomUUID() as TenantId,
        provider: "meta_whatsapp",
        status: "active",
        wabaId,
        phoneNumberE164: "+15550001111",
        displayName: "Shop",
        accessTokenEnc: yield* (yield* TokenCipher).encrypt(Redacted.make("EAAtoken"), {
          tenantId: crypto.randomUUID() as TenantId,
          provider: "meta_whatsapp"
        }),
        tokenExpiresAt: new Date(86_400_000),
        scopes: [],
        metadata: {},
        connectedAt: new Date(0)
      })
      const deliver = (event: string, sha: string) =>
        Effect.gen(function* () {
          const raw = JSON.stringify(accountUpdate(wabaId, event))
          yield* inbox.accept({
            provider: "meta_whatsapp",
            bodySha256: sha.repeat(64),
            raw: new TextEncoder().encode(raw),
            payload: JSON.parse(raw),
            receivedAt: new Date(0)
          })
          while ((yield* processor.drain) > 0) {}
          return Option.getOrThrow(yield* repo.findById(connection.tenantId, connection.id))
        })
      const revoked = yield* deliver("PARTNER_REMOVED", "2")
      assert.strictEqual(revoked.status, "revoked")
      assert.isNull(revoked.accessTokenEnc)
      assert.isNull(revoked.tokenExpiresAt, "a revoked row keeps no token, nor its expiry")
      const banned = yield* deliver("DISABLED_UPDATE", "3")
      assert.strictEqual(banned.status, "revoked", "a failure never resurrects a revoked connection")
      assert.isNull(banned.accessTokenEnc)
    })
  )
})

layer(TestLayer)("health webhooks", (it) => {
  it.effect(
    "a quality update is stored for the number's connection; one from before the latest connect is skipped",
    () =>
      Effect.gen(function* () {
        const repo = yield* ConnectionRepository
        const health = yield* ConnectionHealthRepository
        const inbox = yield* WebhookInbox
        const connect = (digits: string, connectedAt: Date) => {
          const tenantId = crypto.randomUUID() as TenantId
          const n = crypto.getRandomValues(new Uint32Array(1))[0]!
          return repo.claimNumber(`5${String(n).padStart(14, "0")}` as PhoneNumberId, {
            tenantId,
            provider: "meta_whatsapp",
            status: "active",
            wabaId: "524126980791429" as WabaId,
            phoneNumberE164: `+${digits}`,
            displayName: "Acme",
            accessTokenEnc: null,
            tokenExpiresAt: null,
            scopes: [],
            metadata: {},
            connectedAt
          })
        }
        const earlier = yield* connect("15550000001", new Date("2025-01-01T00:00:00.000Z"))
        const later = yield* connect("15550000002", new Date("2027-01-01T00:00:00.000Z"))
        const payload = {
          object: "whatsapp_business_account",
          entry: [
            {
              id: "524126980791429",
              time: 1767225600,
              changes: ["15550000001", "15550000002"].map((digits) => ({
                field: "phone_number_quality_update",
                value: { display_phone_number: digits, event: "FLAGGED", current_limit: "TIER_250" }
              }))
            }
          ]
        }
        yield* inbox.accept({
          provider: "meta_whatsapp",
          bodySha256: crypto.randomUUID().replaceAll("-", "").padEnd(64, "0"),
          raw: new TextEncoder().encode(JSON.stringify(payload)),
          payload,
          receivedAt: new Date(yield* Clock.currentTimeMillis)
        })
        yield* (yield* WebhookProcessor).drain
        const applied = yield* health.get(earlier.tenantId, earlier.id)
        assert.deepStrictEqual(
          applied.checks.map((c) => [c.name, c.status]),
          [["quality", "warning"]]
        )
        assert.include(applied.checks[0]!.message, "limit now TIER_250")
        assert.deepStrictEqual((yield* health.get(later.tenantId, later.id)).checks, [], "older than the connect")
      })
  )
})
