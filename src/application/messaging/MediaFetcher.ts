import { createHash } from "node:crypto"
import { Cause, Clock, Context, type Duration, Effect, Layer, Option } from "effect"
import type { MessageId, TenantId } from "../../domain/Ids.ts"
import {
  acceptsContent,
  MAX_MEDIA_ATTEMPTS,
  type MessageMedia,
  mediaLimitBytes,
  mediaRetryDelayMillis,
  servedContentType,
  storageKeyOf
} from "../../domain/Media.ts"
import type { Actor } from "../Actor.ts"
import { drainWorker } from "../DrainWorker.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import { ContentSniffer } from "./ports/ContentSniffer.ts"
import { MediaRepository } from "./ports/MediaRepository.ts"
import { MediaStore } from "./ports/MediaStore.ts"
import { MediaFetchFailed, WhatsAppMedia } from "./ports/WhatsAppMedia.ts"

/** Why one attempt did not store the media: `permanent` ones end it at once (retrying cannot help). */
interface AttemptFailed {
  readonly permanent: boolean
  readonly detail: string
}

/** The bytes of a message's media, as served to its tenant. */
export interface MediaContent {
  readonly media: MessageMedia
  readonly bytes: Uint8Array
  readonly contentType: string
}

export type MediaRead =
  | { readonly _tag: "Found"; readonly content: MediaContent }
  /** The message has media, not yet (or never) stored. */
  | { readonly _tag: "NotAvailable"; readonly media: MessageMedia }
  /** No such message of this tenant, or it has no media. */
  | { readonly _tag: "NotFound" }

/**
 * `FetchInboundMedia`: claims due media jobs, resolves each media id to a fresh short-lived URL, downloads it with
 * the connection's token (at most the kind's limit), checks what the bytes are (not what they were declared as),
 * stores them and marks the media `available`. A failure is retried with backoff up to MAX_MEDIA_ATTEMPTS, then the
 * media is `failed`; the message itself was stored and shown from the start. Also serves the stored bytes.
 */
export class MediaFetcher extends Context.Service<
  MediaFetcher,
  {
    /** Claims and fetches due media; returns how many were claimed. */
    readonly drain: Effect.Effect<number>
    read(actor: Actor, messageId: MessageId): Effect.Effect<MediaRead>
    forMessages(tenantId: TenantId, ids: ReadonlyArray<MessageId>): Effect.Effect<ReadonlyArray<MessageMedia>>
  }
>()("app/application/messaging/MediaFetcher") {
  static readonly layer = Layer.effect(
    MediaFetcher,
    Effect.gen(function* () {
      const repository = yield* MediaRepository
      const store = yield* MediaStore
      const remote = yield* WhatsAppMedia
      const sniffer = yield* ContentSniffer
      const connections = yield* ConnectionRepository
      const cipher = yield* TokenCipher
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      const attempt = (media: MessageMedia) =>
        Effect.gen(function* () {
          const connection = yield* connections.findById(media.tenantId, media.connectionId)
          if (Option.isNone(connection))
            return yield* Effect.fail<AttemptFailed>({ permanent: true, detail: "the connection is gone" })
          const token = yield* storedToken(cipher, connection.value, "Media fetch").pipe(
            Effect.mapError((error): AttemptFailed => ({ permanent: false, detail: `token: ${error._tag}` }))
          )
          const limit = mediaLimitBytes(media.kind, media.animated)
          // A fresh URL on every attempt: the one of an earlier attempt has expired.
          const found = yield* remote.resolve(token, media.providerMediaId)
          if (found.sizeBytes !== null && found.sizeBytes > limit)
            return yield* Effect.fail<AttemptFailed>({
              permanent: true,
              detail: `too_large: ${found.sizeBytes} bytes, over the ${media.kind} limit of ${limit}`
            })
          const bytes = yield* remote.download(token, found.url, limit)
          const sha256 = createHash("sha256").update(bytes).digest("hex")
          if (found.sha256 !== null && found.sha256.toLowerCase() !== sha256)
            return yield* Effect.fail<AttemptFailed>({
              permanent: false,
              detail: "the bytes do not match their sha256"
            })
          const detected = yield* sniffer.detect(bytes)
          if (!acceptsContent(media.kind, detected))
            return yield* Effect.fail<AttemptFailed>({
              permanent: true,
              detail: `content_mismatch: a ${media.kind} whose content is ${detected ?? "not recognised"} (declared ${media.declaredMimeType ?? "nothing"})`
            })
          const key = storageKeyOf(media.tenantId, media.messageId)
          const contentType = servedContentType(detected)
          yield* store
            .put(key, bytes, contentType)
            .pipe(Effect.mapError((error): AttemptFailed => ({ permanent: false, detail: `store: ${error.detail}` })))
          yield* repository.markAvailable(
            media.messageId,
            { mimeType: contentType, sizeBytes: bytes.length, sha256, storageKey: key },
            yield* now
          )
          yield* Effect.logInfo(`Media stored: ${media.kind} ${contentType}, ${bytes.length} bytes`).pipe(
            Effect.annotateLogs({ tenant_id: media.tenantId, message_id: media.messageId, attempt: media.attempts })
          )
        }).pipe(
          Effect.mapError(
            (error): AttemptFailed =>
              error instanceof MediaFetchFailed
                ? { permanent: error.permanent, detail: `${error.reason}: ${error.detail}` }
                : error
          )
        )

      const handle = (media: MessageMedia) =>
        attempt(media).pipe(
          Effect.catchCause((cause) =>
            // Interrupted (shutting down): the lease runs out and the job is claimed again.
            Cause.hasInterruptsOnly(cause)
              ? Effect.interrupt
              : Effect.gen(function* () {
                  const failure = Cause.findErrorOption(cause)
                  const error: AttemptFailed = Option.isSome(failure)
                    ? failure.value
                    : { permanent: false, detail: `unexpected: ${String(Cause.squash(cause))}` }
                  const at = yield* now
                  const annotations = {
                    tenant_id: media.tenantId,
                    message_id: media.messageId,
                    attempt: media.attempts
                  }
                  if (error.permanent || media.attempts >= MAX_MEDIA_ATTEMPTS) {
                    yield* Effect.logWarning(`Media failed for good: ${error.detail}`).pipe(
                      Effect.annotateLogs(annotations)
                    )
                    return yield* repository.markFailed(media.messageId, error.detail.slice(0, 500), at)
                  }
                  yield* Effect.logWarning(`Media fetch failed; retrying: ${error.detail}`).pipe(
                    Effect.annotateLogs(annotations)
                  )
                  yield* repository.markRetry(
                    media.messageId,
                    error.detail.slice(0, 500),
                    new Date(at.getTime() + mediaRetryDelayMillis(media.attempts))
                  )
                })
          )
        )

      const drain = Effect.gen(function* () {
        const claimed = yield* repository.claim(10, 300, yield* now)
        yield* Effect.forEach(claimed, handle, { concurrency: 4, discard: true })
        return claimed.length
      }).pipe(Effect.withSpan("MediaFetcher.drain"))

      const read = (actor: Actor, messageId: MessageId) =>
        Effect.gen(function* () {
          const found = yield* repository.find(actor.tenantId, messageId)
          if (Option.isNone(found)) return { _tag: "NotFound" } as const
          const media = found.value
          if (media.state !== "available" || media.storageKey === null) return { _tag: "NotAvailable", media } as const
          const stored = yield* store.get(media.storageKey).pipe(Effect.orElseSucceed(() => Option.none()))
          if (Option.isNone(stored)) return { _tag: "NotAvailable", media } as const
          return {
            _tag: "Found",
            content: { media, bytes: stored.value.bytes, contentType: media.mimeType ?? stored.value.contentType }
          } as const
        })

      return MediaFetcher.of({ drain, read, forMessages: repository.findMany })
    })
  )

  /** The background worker: fetches due media, polling every `idle` while there is none. */
  static readonly worker = (idle: Duration.Input = "500 millis") =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const fetcher = yield* MediaFetcher
        yield* drainWorker(fetcher.drain, idle, "Media worker: fetching failed; retrying")
      })
    )
}
