import { Context, type Effect, type Option } from "effect"
import type { MessageId, TenantId } from "../../../domain/Ids.ts"
import type { MessageMedia } from "../../../domain/Media.ts"

/** A media row as an inbound message or a send first writes it: the fields known before any fetch or upload. */
export type NewMessageMedia = Pick<
  MessageMedia,
  | "messageId"
  | "tenantId"
  | "connectionId"
  | "kind"
  | "providerMediaId"
  | "declaredMimeType"
  | "animated"
  | "caption"
  | "filename"
>

export interface StoredContent {
  readonly mimeType: string
  readonly sizeBytes: number
  readonly sha256: string
  readonly storageKey: string
}

/**
 * The media of messages, and the queue of inbound media still to fetch: a `pending` row is a job, claimed under a
 * lease (a worker that died leaves it claimable once the lease runs out) and retried at `next_attempt_at`.
 */
export class MediaRepository extends Context.Service<
  MediaRepository,
  {
    /** Records media to fetch (`pending`, due now); a second call for the same message changes nothing. */
    enqueue(media: NewMessageMedia, now: Date): Effect.Effect<void>
    /** Records media already stored (an upload the business sent). */
    saveStored(media: NewMessageMedia, content: StoredContent, now: Date): Effect.Effect<void>
    /** Claims up to `limit` due `pending` rows for `leaseSeconds`, counting the attempt. */
    claim(limit: number, leaseSeconds: number, now: Date): Effect.Effect<ReadonlyArray<MessageMedia>>
    markAvailable(messageId: MessageId, content: StoredContent, now: Date): Effect.Effect<void>
    /** Keeps it `pending` until `retryAt`, with the error. */
    markRetry(messageId: MessageId, error: string, retryAt: Date): Effect.Effect<void>
    markFailed(messageId: MessageId, error: string, now: Date): Effect.Effect<void>
    /** The tenant's media of one message (none for another tenant's message). */
    find(tenantId: TenantId, messageId: MessageId): Effect.Effect<Option.Option<MessageMedia>>
    findMany(tenantId: TenantId, messageIds: ReadonlyArray<MessageId>): Effect.Effect<ReadonlyArray<MessageMedia>>
  }
>()("app/application/messaging/ports/MediaRepository") {}
