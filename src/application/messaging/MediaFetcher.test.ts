import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import { TestClock } from "effect/testing"
import { samplePdf, samplePng, sampleWebp } from "../../../sandbox/mediaSamples.ts"
import { activeConnectionHolding } from "../../../test/support/ConnectTestKit.ts"
import { layerFromKeys } from "../../adapters/crypto/TokenCipherAesGcm.ts"
import { ContentSnifferFileType } from "../../adapters/media/ContentSnifferFileType.ts"
import { makeMediaStoreMemory } from "../../adapters/media/MediaStoreMemory.ts"
import { makeWhatsAppMediaMemory } from "../../adapters/meta-graph/WhatsAppMediaMemory.ts"
import { PersistenceMemory } from "../../adapters/persistence/Persistence.ts"
import type { MessageId, TenantId, UserId } from "../../domain/Ids.ts"
import { MAX_MEDIA_ATTEMPTS, type MediaKind } from "../../domain/Media.ts"
import type { Actor } from "../Actor.ts"
import { MediaFetcher } from "./MediaFetcher.ts"
import { MediaRepository } from "./ports/MediaRepository.ts"
import { MediaStore } from "./ports/MediaStore.ts"
import { WhatsAppMedia } from "./ports/WhatsAppMedia.ts"

const remote = makeWhatsAppMediaMemory()
const store = makeMediaStoreMemory()

const TestLayer = MediaFetcher.layer.pipe(
  Layer.provideMerge(
    Layer.mergeAll(
      PersistenceMemory,
      ContentSnifferFileType,
      Layer.succeed(WhatsAppMedia, remote.service),
      Layer.succeed(MediaStore, store),
      layerFromKeys({ active: new Uint8Array(32).fill(5), previous: [] })
    )
  )
)

let sequence = 0
/** A tenant's connection, and a customer's media message of `kind` whose bytes the fake Meta holds. */
const inboundMedia = (kind: MediaKind, bytes: Uint8Array, options: { animated?: boolean; declared?: string } = {}) =>
  Effect.gen(function* () {
    sequence++
    const tenantId = crypto.randomUUID() as TenantId
    const token = `EAAmedia${sequence}`.padEnd(60, "m")
    const connection = yield* activeConnectionHolding(tenantId, token, {
      phoneNumberId: `9100000000${String(sequence).padStart(4, "0")}`,
      wabaId: `9200000000${sequence}`
    })
    const mediaId = `media-${sequence}`
    remote.media.set(mediaId, { bytes, mimeType: options.declared ?? "image/png", token })
    const messageId = crypto.randomUUID() as MessageId
    yield* (yield* MediaRepository).enqueue(
      {
        messageId,
        tenantId,
        connectionId: connection.id,
        kind,
        providerMediaId: mediaId,
        declaredMimeType: options.declared ?? null,
        animated: options.animated ?? false,
        caption: null,
        filename: null
      },
      new Date(0)
    )
    const actor: Actor = { tenantId, userId: "u" as UserId, role: "member", flags: [], ip: null, userAgent: null }
    return { actor, messageId }
  })

const stateOf = (actor: Actor, messageId: MessageId) =>
  Effect.map(
    Effect.flatMap(MediaRepository, (r) => r.find(actor.tenantId, messageId)),
    Option.getOrThrow
  )

describe("MediaFetcher", () => {
  it.effect("fetches, stores and serves an image to its tenant only", () =>
    Effect.gen(function* () {
      const png = samplePng(4, 4)
      const { actor, messageId } = yield* inboundMedia("image", png)
      const fetcher = yield* MediaFetcher
      assert.isAtLeast(yield* fetcher.drain, 1)
      const media = yield* stateOf(actor, messageId)
      assert.strictEqual(media.state, "available")
      assert.strictEqual(media.mimeType, "image/png")
      assert.strictEqual(media.sizeBytes, png.length)
      const read = yield* fetcher.read(actor, messageId)
      assert.strictEqual(read._tag, "Found")
      if (read._tag === "Found") assert.isTrue(Buffer.from(read.content.bytes).equals(png))
      const stranger = { ...actor, tenantId: crypto.randomUUID() as TenantId }
      assert.strictEqual((yield* fetcher.read(stranger, messageId))._tag, "NotFound")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("refuses an image over 5 MB at once, without retrying", () =>
    Effect.gen(function* () {
      const big = new Uint8Array(5 * 1024 * 1024 + 1)
      big.set(samplePng(2, 2))
      const { actor, messageId } = yield* inboundMedia("image", big)
      yield* (yield* MediaFetcher).drain
      const media = yield* stateOf(actor, messageId)
      assert.strictEqual(media.state, "failed")
      assert.strictEqual(media.attempts, 1)
      assert.match(media.lastError!, /^too_large/)
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("a static sticker may be 100 KB, an animated one 500 KB", () =>
    Effect.gen(function* () {
      const webp = new Uint8Array(150 * 1024)
      webp.set(sampleWebp())
      const fetcher = yield* MediaFetcher
      const still = yield* inboundMedia("sticker", webp)
      const animated = yield* inboundMedia("sticker", webp, { animated: true })
      yield* fetcher.drain
      assert.strictEqual((yield* stateOf(still.actor, still.messageId)).state, "failed")
      assert.strictEqual((yield* stateOf(animated.actor, animated.messageId)).state, "available")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("reads the type from the bytes: a PDF declared as a JPEG image is refused, as a document kept as PDF", () =>
    Effect.gen(function* () {
      const fetcher = yield* MediaFetcher
      const fake = yield* inboundMedia("image", samplePdf(), { declared: "image/jpeg" })
      const document = yield* inboundMedia("document", samplePdf(), { declared: "image/jpeg" })
      yield* fetcher.drain
      const refused = yield* stateOf(fake.actor, fake.messageId)
      assert.strictEqual(refused.state, "failed")
      assert.match(refused.lastError!, /^content_mismatch: a image whose content is application\/pdf/)
      assert.strictEqual((yield* stateOf(document.actor, document.messageId)).mimeType, "application/pdf")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("retries a failing download with backoff, then fails it after the last attempt", () =>
    Effect.gen(function* () {
      const { actor, messageId } = yield* inboundMedia("image", samplePng(2, 2))
      const fetcher = yield* MediaFetcher
      remote.state.failNext = MAX_MEDIA_ATTEMPTS
      yield* fetcher.drain
      const once = yield* stateOf(actor, messageId)
      assert.strictEqual(once.state, "pending")
      assert.strictEqual(once.attempts, 1)
      // Not due again before its backoff.
      assert.strictEqual(yield* fetcher.drain, 0)
      for (let attempt = 2; attempt <= MAX_MEDIA_ATTEMPTS; attempt++) {
        yield* TestClock.adjust("11 minutes")
        yield* fetcher.drain
      }
      const last = yield* stateOf(actor, messageId)
      assert.strictEqual(last.state, "failed")
      assert.strictEqual(last.attempts, MAX_MEDIA_ATTEMPTS)
      assert.match(last.lastError!, /^unavailable/)
      assert.strictEqual((yield* fetcher.read(actor, messageId))._tag, "NotAvailable")
    }).pipe(Effect.provide(TestLayer))
  )

  it.effect("recovers when only the first download fails", () =>
    Effect.gen(function* () {
      const { actor, messageId } = yield* inboundMedia("image", samplePng(3, 3))
      const fetcher = yield* MediaFetcher
      remote.state.failNext = 1
      yield* fetcher.drain
      assert.strictEqual((yield* stateOf(actor, messageId)).state, "pending")
      yield* TestClock.adjust("3 seconds")
      yield* fetcher.drain
      const media = yield* stateOf(actor, messageId)
      assert.strictEqual(media.state, "available")
      assert.strictEqual(media.attempts, 2)
    }).pipe(Effect.provide(TestLayer))
  )
})
