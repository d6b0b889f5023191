import { Context, Data, type Effect } from "effect"
import type { MessageRejected } from "../../../domain/Errors.ts"
import type { AccessToken, MetaGraphError, SentMessage } from "../../ports/MetaGraph.ts"

/** What the provider says of a media id: a short-lived URL and the file's declared facts. */
export interface RemoteMedia {
  readonly url: string
  readonly mimeType: string | null
  /** Hex SHA-256 of the bytes, when given. */
  readonly sha256: string | null
  readonly sizeBytes: number | null
}

/**
 * Fetching media failed. `permanent`: trying again cannot help (the media is gone or refused); otherwise the next
 * attempt resolves a fresh URL.
 */
export class MediaFetchFailed extends Data.TaggedError("MediaFetchFailed")<{
  readonly reason: "not_found" | "unauthorized" | "too_large" | "unavailable"
  readonly permanent: boolean
  readonly detail: string
}> {}

/** Uploading media for a send failed (`invalid`: the provider refused the file itself). */
export class MediaUploadFailed extends Data.TaggedError("MediaUploadFailed")<{
  readonly invalid: boolean
  readonly detail: string
}> {}

/** WhatsApp's media endpoints: resolve an id to a URL, download it with the token, upload a file for a number. */
/** Uploaded media as a send names it: its kind, the upload's id, and what the recipient sees with it. */
export interface OutgoingMedia {
  readonly kind: "image" | "document"
  readonly mediaId: string
  readonly caption: string | null
  readonly filename: string | null
}

export class WhatsAppMedia extends Context.Service<
  WhatsAppMedia,
  {
    resolve(token: AccessToken, mediaId: string): Effect.Effect<RemoteMedia, MediaFetchFailed>
    /** The bytes at `url`, read with the token; more than `maxBytes` fails with `too_large` (not read further). */
    download(token: AccessToken, url: string, maxBytes: number): Effect.Effect<Uint8Array, MediaFetchFailed>
    upload(
      token: AccessToken,
      phoneNumberId: string,
      file: { readonly bytes: Uint8Array; readonly mimeType: string; readonly filename: string }
    ): Effect.Effect<string, MediaUploadFailed>
    /** Sends uploaded media (by its id) to `to`, as the number `phoneNumberId`. */
    sendMedia(
      token: AccessToken,
      phoneNumberId: string,
      to: string,
      media: OutgoingMedia
    ): Effect.Effect<SentMessage, MetaGraphError | MessageRejected>
  }
>()("app/application/messaging/ports/WhatsAppMedia") {}
