import { createHash } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { MediaFetchFailed, MediaUploadFailed, WhatsAppMedia } from "../../application/messaging/ports/WhatsAppMedia.ts"

export interface MemoryMedia {
  readonly bytes: Uint8Array
  readonly mimeType: string
  /** The token that may read it. */
  readonly token: string
}

/**
 * WhatsApp's media endpoints in memory: `media` by id (what customers sent, what was uploaded), URLs that name the
 * id, and `failNext` downloads that fail. For use-case tests.
 */
export const makeWhatsAppMediaMemory = () => {
  const media = new Map<string, MemoryMedia>()
  const state = { failNext: 0, seq: 0 }
  const sent: Array<{ to: string; kind: string; mediaId: string; caption: string | null }> = []
  const service = WhatsAppMedia.of({
    resolve: (token, mediaId) => {
      const found = media.get(mediaId)
      if (found === undefined || found.token !== Redacted.value(token))
        return Effect.fail(
          new MediaFetchFailed({ reason: "not_found", permanent: true, detail: `no media ${mediaId}` })
        )
      return Effect.succeed({
        url: `memory://media/${mediaId}`,
        mimeType: found.mimeType,
        sha256: createHash("sha256").update(found.bytes).digest("hex"),
        sizeBytes: found.bytes.length
      })
    },
    download: (token, url, maxBytes) =>
      Effect.suspend(() => {
        if (state.failNext > 0) {
          state.failNext--
          return Effect.fail(new MediaFetchFailed({ reason: "unavailable", permanent: false, detail: "failNext" }))
        }
        const found = media.get(url.replace("memory://media/", ""))
        if (found === undefined || found.token !== Redacted.value(token))
          return Effect.fail(new MediaFetchFailed({ reason: "unauthorized", permanent: false, detail: "no access" }))
        if (found.bytes.length > maxBytes)
          return Effect.fail(new MediaFetchFailed({ reason: "too_large", permanent: true, detail: "over the limit" }))
        return Effect.succeed(found.bytes)
      }),
    upload: (token, _phoneNumberId, file) =>
      Effect.suspend(() => {
        if (file.bytes.length === 0) return Effect.fail(new MediaUploadFailed({ invalid: true, detail: "empty file" }))
        const id = `memory-${++state.seq}`
        media.set(id, { bytes: file.bytes, mimeType: file.mimeType, token: Redacted.value(token) })
        return Effect.succeed(id)
      }),
    sendMedia: (_token, _phoneNumberId, to, item) =>
      Effect.sync(() => {
        sent.push({ to, kind: item.kind, mediaId: item.mediaId, caption: item.caption })
        return { providerMessageId: `wamid.memory-media-${sent.length}`, waId: to }
      })
  })
  return { service, media, state, sent }
}

export const WhatsAppMediaMemory = Layer.sync(WhatsAppMedia, () => makeWhatsAppMediaMemory().service)
