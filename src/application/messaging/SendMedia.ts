import { createHash } from "node:crypto"
import { Clock, Context, Effect, Layer } from "effect"
import { InvalidMessage, MetaUnavailable } from "../../domain/Errors.ts"
import type { MessageId, ProviderMessageId } from "../../domain/Ids.ts"
import { acceptsContent, mediaLimitBytes, storageKeyOf } from "../../domain/Media.ts"
import type { Message } from "../../domain/Message.ts"
import type { Actor } from "../Actor.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { storedToken } from "../StoredToken.ts"
import {
  idempotencyKeyOf,
  recipientOf,
  requireOpenWindow,
  requireUnrestricted,
  type SendError,
  sendingConnection,
  storeOutbound
} from "./Messaging.ts"
import { ContentSniffer } from "./ports/ContentSniffer.ts"
import { ConversationRepository } from "./ports/ConversationRepository.ts"
import { MediaRepository } from "./ports/MediaRepository.ts"
import { MediaStore } from "./ports/MediaStore.ts"
import { MessageRepository } from "./ports/MessageRepository.ts"
import { WhatsAppMedia } from "./ports/WhatsAppMedia.ts"

export interface SendMediaInput {
  readonly to: string
  readonly kind: "image" | "document"
  readonly bytes: Uint8Array
  readonly filename: string | null
  readonly caption: string | null
  /** A retried request with the same key never uploads or sends twice. */
  readonly idempotencyKey?: string | null | undefined
}

/** Meta's limit on a media caption. */
const MAX_CAPTION = 1024

/**
 * `SendMediaMessage`: an image (JPEG or PNG, up to 5 MB) or a document (up to 100 MB) to a contact: checked by its
 * content, stored with its message, uploaded to the number's media, then sent by the media id. Stored before and
 * after Meta, as a text is; the stored copy is what `/api/media/{id}` serves.
 */
export class MediaSending extends Context.Service<
  MediaSending,
  { sendMedia(actor: Actor, input: SendMediaInput): Effect.Effect<Message, SendError> }
>()("app/application/messaging/MediaSending") {
  static readonly layer = Layer.effect(
    MediaSending,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const conversations = yield* ConversationRepository
      const messages = yield* MessageRepository
      const mediaRows = yield* MediaRepository
      const store = yield* MediaStore
      const remote = yield* WhatsAppMedia
      const sniffer = yield* ContentSniffer
      const cipher = yield* TokenCipher

      const sendMedia = Effect.fn("MediaSending.sendMedia")(function* (actor: Actor, input: SendMediaInput) {
        const to = yield* recipientOf(input.to)
        const limit = mediaLimitBytes(input.kind, false)
        if (input.bytes.length === 0 || input.bytes.length > limit)
          return yield* new InvalidMessage({
            detail: `An ${input.kind} must be 1 byte to ${Math.round(limit / 1024 / 1024)} MB.`
          })
        const caption = input.caption?.trim() || null
        if (caption !== null && caption.length > MAX_CAPTION)
          return yield* new InvalidMessage({ detail: `A caption is at most ${MAX_CAPTION} characters.` })
        const detected = yield* sniffer.detect(input.bytes)
        if (!acceptsContent(input.kind, detected))
          return yield* new InvalidMessage({
            detail: `This file is not a JPEG or PNG image (its content reads as ${detected ?? "unknown"}).`
          })
        const mimeType = detected ?? "text/plain"
        const filename =
          input.filename
            ?.replace(/[\r\n\\/]/g, "")
            .trim()
            .slice(0, 240) || (input.kind === "document" ? "document" : "image")
        const key = yield* idempotencyKeyOf(input.idempotencyKey)

        const connection = yield* sendingConnection(connections, actor.tenantId)
        const now = new Date(yield* Clock.currentTimeMillis)
        yield* requireUnrestricted(connection, "replies", now)
        // Media is free-form: only inside the customer service window, as text (Meta would accept it, then fail it).
        yield* requireOpenWindow(conversations, actor.tenantId, connection.phoneNumberId!, to, now)

        const { stored } = yield* storeOutbound(conversations, messages, connection, {
          to,
          type: input.kind,
          body: { [input.kind]: { caption, ...(input.kind === "document" ? { filename } : {}) } },
          idempotencyKey: key,
          now
        })
        if (!stored.inserted) return stored.message
        const messageId = stored.message.id as MessageId
        const fail = (error: SendError) =>
          messages
            .recordSendResult(actor.tenantId, messageId, { _tag: "Failed", error: { message: error.message } })
            .pipe(Effect.andThen(Effect.fail(error)))

        // Our copy first: the conversation shows what was sent whatever Meta does with it.
        const storageKey = storageKeyOf(actor.tenantId, messageId)
        yield* store
          .put(storageKey, input.bytes, mimeType)
          .pipe(Effect.catch((e) => fail(new MetaUnavailable({ detail: `media store: ${e.detail}` }))))
        const token = yield* storedToken(cipher, connection, "Send media").pipe(Effect.catch(fail))
        const mediaId = yield* remote
          .upload(token, connection.phoneNumberId!, { bytes: input.bytes, mimeType, filename })
          .pipe(
            Effect.catch((e) =>
              fail(
                e.invalid
                  ? new InvalidMessage({ detail: `WhatsApp refused the file: ${e.detail}` })
                  : new MetaUnavailable({ detail: e.detail })
              )
            )
          )
        yield* mediaRows.saveStored(
          {
            messageId,
            tenantId: actor.tenantId,
            connectionId: connection.id,
            kind: input.kind,
            providerMediaId: mediaId,
            declaredMimeType: mimeType,
            animated: false,
            caption,
            filename
          },
          {
            mimeType,
            sizeBytes: input.bytes.length,
            sha256: createHash("sha256").update(input.bytes).digest("hex"),
            storageKey
          },
          now
        )
        const sent = yield* remote
          .sendMedia(token, connection.phoneNumberId!, to, { kind: input.kind, mediaId, caption, filename })
          .pipe(Effect.catch(fail))
        return yield* messages.recordSendResult(actor.tenantId, messageId, {
          _tag: "Sent",
          providerMessageId: sent.providerMessageId as ProviderMessageId
        })
      })

      return MediaSending.of({ sendMedia })
    })
  )
}
