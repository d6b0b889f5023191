import { assert, layer } from "@effect/vitest"
import { Effect, Layer, Logger } from "effect"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../../adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhookDecoder } from "../../adapters/meta-graph/MetaWebhooks.ts"
import { OutboxMemory } from "../../adapters/persistence/OutboxMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../domain/Ids.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { WebhookInbox } from "./ports/WebhookInbox.ts"
import { WebhookProcessor } from "./WebhookProcessor.ts"

const TestLayer = WebhookProcessor.layer.pipe(
  Layer.provideMerge(MetaWebhookDecoder),
  Layer.provideMerge(
    Layer.mergeAll(
      PersistenceMemory,
      MetaGraphMemory,
      layerFromKeys({ active: new Uint8Array(32).fill(4), previous: [] })
    )
  )
)

const PHONE = "106555000123" as PhoneNumberId
const change = (value: Record<string, unknown>) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: "524126980791429",
      changes: [{ field: "messages", value: { metadata: { phone_number_id: PHONE }, ...value } }]
    }
  ]
})

layer(TestLayer, { excludeTestServices: true })("what the webhook processor announces (in-memory outbox)", (it) => {
  it.effect("a new inbound message announces message.received once; a failed status announces status and failure", () =>
    Effect.gen(function* () {
      const outbox = yield* OutboxMemory
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const tenantId = crypto.randomUUID() as TenantId
      const connection = yield* Effect.flatMap(ConnectionRepository, (repo) =>
        repo.claimNumber(PHONE, {
          tenantId,
          provider: "meta_whatsapp",
          status: "active",
          wabaId: "524126980791429" as WabaId,
          phoneNumberE164: "+15550101234",
          displayName: "Acme",
          accessTokenEnc: null as unknown as EncryptedToken,
          tokenExpiresAt: null,
          scopes: [],
          metadata: {}
        })
      )
      const accept = (payload: unknown, n: number) => {
        const raw = JSON.stringify(payload)
        return inbox.accept({
          provider: "meta_whatsapp",
          bodySha256: String(n).repeat(64),
          raw: new TextEncoder().encode(raw),
          payload: JSON.parse(raw),
          receivedAt: new Date()
        })
      }
      const message = {
        messages: [
          { from: "14155550001", id: "wamid.in1", timestamp: "1767225600", type: "text", text: { body: "hi" } }
        ]
      }
      yield* accept(change(message), 1)
      yield* accept({ ...change(message), again: true }, 2)
      yield* accept(
        change({
          statuses: [
            {
              id: "wamid.out1",
              status: "failed",
              timestamp: "1767225601",
              recipient_id: "14155550001",
              errors: [{ code: 131047, title: "Re-engagement message" }]
            }
          ]
        }),
        3
      )
      yield* processor.drain
      const announced = yield* outbox.announced
      assert.deepStrictEqual(
        announced.map((e) => e.type),
        ["connection.connected", "message.received", "message.status", "message.failed"]
      )
      const received = announced[1]!
      assert.strictEqual(received.tenantId, tenantId)
      assert.deepInclude(received.data as object, {
        connectionId: connection.id,
        providerMessageId: "wamid.in1",
        phoneNumberId: PHONE,
        type: "text"
      })
      assert.deepInclude((received.data as { body: object }).body, { text: { body: "hi" } })
      assert.strictEqual(announced[2]!.orderingKey, "message:wamid.out1")
      assert.deepInclude(announced[3]!.data as object, { status: "failed", providerMessageId: "wamid.out1" })
    })
  )

  it.effect("a batch logs one line per event and one inbound line per number, not one per message", () =>
    Effect.gen(function* () {
      const inbox = yield* WebhookInbox
      const processor = yield* WebhookProcessor
      const phone = "106555000456" as PhoneNumberId
      yield* Effect.flatMap(ConnectionRepository, (repo) =>
        repo.claimNumber(phone, {
          tenantId: crypto.randomUUID() as TenantId,
          provider: "meta_whatsapp",
          status: "active",
          wabaId: "524126980791430" as WabaId,
          phoneNumberE164: "+15550101235",
          displayName: "Acme",
          accessTokenEnc: null as unknown as EncryptedToken,
          tokenExpiresAt: null,
          scopes: [],
          metadata: {}
        })
      )
      for (let n = 0; n < 3; n++) {
        const raw = JSON.stringify({
          object: "whatsapp_business_account",
          entry: [
            {
              id: "524126980791430",
              changes: [
                {
                  field: "messages",
                  value: {
                    metadata: { phone_number_id: phone },
                    messages: [
                      {
                        from: "14155550002",
                        id: `wamid.log${n}`,
                        timestamp: "1767225600",
                        type: "text",
                        text: { body: "x" }
                      }
                    ]
                  }
                }
              ]
            }
          ]
        })
        yield* inbox.accept({
          provider: "meta_whatsapp",
          bodySha256: `b${n}`.repeat(32),
          raw: new TextEncoder().encode(raw),
          payload: JSON.parse(raw),
          receivedAt: new Date()
        })
      }
      const lines: Array<string> = []
      const capture = Logger.make((options) => {
        const message = options.message
        lines.push(String(Array.isArray(message) ? message[0] : message))
      })
      yield* processor.drain.pipe(Effect.provide(Logger.layer([capture])))
      assert.deepStrictEqual(
        lines.filter((line) => line.startsWith("Inbound messages")),
        ["Inbound messages: 3 stored of 3"]
      )
      assert.strictEqual(lines.filter((line) => line.startsWith("Webhook batch processed")).length, 3)
    })
  )
})
