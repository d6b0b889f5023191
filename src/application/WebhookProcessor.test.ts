import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { TestClock } from "effect/testing"
import { layerFromKeys } from "../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhookDecoder } from "../adapters/meta-graph/MetaWebhooks.ts"
import { AuditLogMemory } from "../adapters/persistence/AuditLogMemory.ts"
import { ConnectionRepositoryMemory } from "../adapters/persistence/ConnectionRepositoryMemory.ts"
import { ConversationRepositoryMemory } from "../adapters/persistence/ConversationRepositoryMemory.ts"
import { MessageRepositoryMemory } from "../adapters/persistence/MessageRepositoryMemory.ts"
import { WebhookInboxMemory } from "../adapters/persistence/WebhookInboxMemory.ts"
import type { PhoneNumberId, TenantId } from "../domain/Ids.ts"
import { MAX_WEBHOOK_ATTEMPTS, unixSecondsToDate } from "../domain/WebhookEvent.ts"
import { ConnectionRepository } from "./ports/ConnectionRepository.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"
import { WebhookInbox } from "./ports/WebhookInbox.ts"
import { purgeUnrouted, WebhookProcessor } from "./WebhookProcessor.ts"

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
  Layer.provideMerge(
    Layer.mergeAll(
      DyingMessages,
      ConnectionRepositoryMemory,
      ConversationRepositoryMemory.pipe(Layer.provide(MessageRepositoryMemory)),
      WebhookInboxMemory,
      AuditLogMemory,
      MetaGraphMemory,
      layerFromKeys({ active: new Uint8Array(32).fill(4), previous: [] })
    )
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
      yield* (yield* ConnectionRepository).claimNumber(phoneNumberId, {
        tenantId: crypto.randomUUID() as TenantId,
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
      for (let attempt = 1; attempt < MAX_WEBHOOK_ATTEMPTS; attempt++) {
        assert.strictEqual(yield* processor.drain, 1, `attempt ${attempt} claimed`)
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
