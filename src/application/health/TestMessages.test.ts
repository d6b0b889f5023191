import { assert, layer } from "@effect/vitest"
import { Clock, Effect, Layer, Option } from "effect"
import { persistenceBackends } from "../../../test/support/Backends.ts"
import { tokenedWhatsAppConnection } from "../../../test/support/PersistenceFixtures.ts"
import { messagesPayload } from "../../../test/support/WebhookHarness.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhookDecoder } from "../../adapters/meta-graph/MetaWebhooks.ts"
import type { PhoneNumberId, TenantId, UserId } from "../../domain/Ids.ts"
import type { Actor } from "../Actor.ts"
import { Messaging } from "../messaging/Messaging.ts"
import { ConversationRepository } from "../messaging/ports/ConversationRepository.ts"
import { ConnectionHealthRepository } from "../ports/ConnectionHealthRepository.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { WebhookInbox } from "../webhooks/ports/WebhookInbox.ts"
import { WebhookProcessor } from "../webhooks/WebhookProcessor.ts"
import { ConnectionHealthChecks, NO_HEALTH } from "./ConnectionHealthChecks.ts"
import { TestMessages } from "./TestMessages.ts"

/** A `failed` status webhook for `wamid` on `phoneNumberId`, as Meta sends it. */
const failedStatus = (phoneNumberId: string, wamid: string) =>
  messagesPayload(phoneNumberId, {
    statuses: [
      {
        id: wamid,
        status: "failed",
        timestamp: "1767225600",
        recipient_id: "15557654321",
        errors: [{ code: 131026, title: "Message undeliverable" }]
      }
    ]
  })

/**
 * Meta's send answered, and before `TestMessages` writes the message's key its `failed` status webhook is received
 * and processed (the worker is woken at once): the race the worker's former 250 ms gather hid.
 */
const StatusBeforeKey = Layer.effect(
  Messaging,
  Effect.gen(function* () {
    const real = yield* Messaging
    const inbox = yield* WebhookInbox
    const processor = yield* WebhookProcessor
    const phoneOf = yield* ConnectionRepository
    return Messaging.of({
      ...real,
      sendText: (actor, input) =>
        real.sendText(actor, input).pipe(
          Effect.tap((message) =>
            Effect.gen(function* () {
              const connection = yield* phoneOf.findCurrent(actor.tenantId, "meta_whatsapp")
              const phone = Option.getOrThrow(connection).phoneNumberId!
              const raw = JSON.stringify(failedStatus(phone, message.providerMessageId!))
              yield* inbox.accept({
                provider: "meta_whatsapp",
                bodySha256: crypto.randomUUID().replaceAll("-", "").padEnd(64, "0"),
                raw: new TextEncoder().encode(raw),
                payload: JSON.parse(raw),
                receivedAt: new Date(yield* Clock.currentTimeMillis)
              })
              while ((yield* processor.drain) > 0) {}
            }).pipe(Effect.orDie)
          )
        )
    })
  })
).pipe(Layer.provide(Messaging.layer))

/** Only the send check matters here; the stored health is read from the repository. */
const NoChecks = Layer.succeed(ConnectionHealthChecks, {
  run: () => Effect.succeed(NO_HEALTH),
  checkNow: () => Effect.succeed(NO_HEALTH),
  read: () => Effect.succeed(NO_HEALTH),
  due: Effect.succeed([])
})

let sequence = 0

for (const backend of persistenceBackends()) {
  const TestLayer = TestMessages.layer.pipe(
    Layer.provide([StatusBeforeKey, NoChecks]),
    Layer.provideMerge(WebhookProcessor.layer),
    Layer.provideMerge(
      Layer.mergeAll(
        backend.layer,
        MetaGraphMemory,
        MetaWebhookDecoder,
        layerFromKeys({ active: new Uint8Array(32).fill(5), previous: [] })
      )
    )
  )

  layer(TestLayer, { timeout: 120_000 })(`TestMessages (${backend.name})`, (it) => {
    it.effect("a failed status processed before the test message's key is written still turns the check failing", () =>
      Effect.gen(function* () {
        sequence++
        const tenantId = crypto.randomUUID() as TenantId
        const actor: Actor = { tenantId, userId: "u1" as UserId, role: "admin", flags: [], ip: null, userAgent: null }
        const waba = `71${String(Date.now()).slice(-9)}${String(sequence).padStart(4, "0")}`
        const phone = `81${String(Date.now()).slice(-9)}${String(sequence).padStart(4, "0")}`
        const token = `EAAtest${sequence}${Date.now()}`.padEnd(60, "q")
        const connection = yield* tokenedWhatsAppConnection({ tenantId, waba, phone, token })
        // The phone wrote to the number just now: its 24-hour window is open, free text goes through.
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* (yield* ConversationRepository).upsert({
          tenantId,
          connectionId: connection.id,
          phoneNumberId: phone as PhoneNumberId,
          waId: "15557654321",
          contactName: null,
          lastMessageAt: now,
          lastInboundAt: now
        })

        yield* (yield* TestMessages).send(actor, "+15557654321")

        const health = yield* (yield* ConnectionHealthRepository).get(tenantId, connection.id)
        const send = health.checks.find((c) => c.name === "send")
        assert.strictEqual(send?.status, "failing", JSON.stringify(send))
        assert.include(send?.message, "then reported it failed: (#131026) Message undeliverable")
      })
    )
  })
}
