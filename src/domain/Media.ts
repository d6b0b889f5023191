import type { ConnectionId, MessageId, TenantId } from "./Ids.ts"

/**
 * Media of a message: what a customer sent (fetched from the provider into the media store) or what the business
 * sent (stored when uploaded). The message is stored and shown at once; its media is `pending` until fetched,
 * `available` once stored, `failed` once every attempt failed or the content was refused.
 */

export const MEDIA_KINDS = ["image", "audio", "video", "document", "sticker"] as const
export type MediaKind = (typeof MEDIA_KINDS)[number]
export const isMediaKind = (type: string): type is MediaKind => (MEDIA_KINDS as ReadonlyArray<string>).includes(type)

export type MediaState = "pending" | "available" | "failed"

const KB = 1024
const MB = 1024 * 1024

/**
 * The largest file of each kind WhatsApp carries (Cloud API, "Supported media types"): image 5 MB, audio and video
 * 16 MB, document 100 MB, sticker 100 KB static and 500 KB animated.
 */
export const mediaLimitBytes = (kind: MediaKind, animated: boolean): number => {
  switch (kind) {
    case "image":
      return 5 * MB
    case "audio":
    case "video":
      return 16 * MB
    case "document":
      return 100 * MB
    case "sticker":
      return animated ? 500 * KB : 100 * KB
  }
}

/**
 * Whether content detected as `detected` (from its bytes, null when not recognised) may be kept as a `kind`:
 * images are JPEG or PNG, stickers WebP, audio and video what their names say; a document may be anything
 * (undetected content is kept and served as a download of `application/octet-stream`).
 */
export const acceptsContent = (kind: MediaKind, detected: string | null): boolean => {
  switch (kind) {
    case "image":
      return detected === "image/jpeg" || detected === "image/png"
    case "sticker":
      return detected === "image/webp"
    case "audio":
      return detected !== null && (detected.startsWith("audio/") || detected === "video/mp4")
    case "video":
      return (
        detected !== null && (detected === "video/mp4" || detected === "video/3gpp" || detected.startsWith("video/"))
      )
    case "document":
      return true
  }
}

/** The type the stored media is served with: the detected one, never the declared one. */
export const servedContentType = (detected: string | null): string => detected ?? "application/octet-stream"

/** How many times a fetch is tried before the media is `failed`. */
export const MAX_MEDIA_ATTEMPTS = 6

/** The wait before retry `attempt + 1`: 5 s, 20 s, 80 s… capped at 10 minutes (a media URL lives 5 minutes; each try asks for a new one). */
export const mediaRetryDelayMillis = (attempt: number): number =>
  Math.min(2_000 * 4 ** Math.max(0, attempt - 1), 600_000)

export interface MessageMedia {
  readonly messageId: MessageId
  readonly tenantId: TenantId
  readonly connectionId: ConnectionId
  readonly kind: MediaKind
  /** The provider's id of the media (what a fetch resolves, or what an upload returned). */
  readonly providerMediaId: string
  readonly declaredMimeType: string | null
  readonly animated: boolean
  readonly caption: string | null
  readonly filename: string | null
  readonly state: MediaState
  /** The detected type, once stored. */
  readonly mimeType: string | null
  readonly sizeBytes: number | null
  readonly sha256: string | null
  readonly storageKey: string | null
  readonly attempts: number
  readonly lastError: string | null
}

/** Where a message's media is kept in the media store: by tenant, so one tenant's keys never name another's. */
export const storageKeyOf = (tenantId: TenantId, messageId: MessageId): string => `${tenantId}/${messageId}`
