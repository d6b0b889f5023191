import { Effect, Layer, Option } from "effect"
import { MediaRepository, type NewMessageMedia } from "../../application/messaging/ports/MediaRepository.ts"
import type { MediaState, MessageMedia } from "../../domain/Media.ts"

interface Row {
  media: MessageMedia
  nextAttemptAt: number
  lockedUntil: number | null
}

const fresh = (input: NewMessageMedia, state: MediaState): MessageMedia => ({
  ...input,
  state,
  mimeType: null,
  sizeBytes: null,
  sha256: null,
  storageKey: null,
  attempts: 0,
  lastError: null
})

export const MediaRepositoryMemory = Layer.sync(MediaRepository, () => {
  const rows = new Map<string, Row>()
  const update = (id: string, change: (row: Row) => void) =>
    Effect.sync(() => {
      const row = rows.get(id)
      if (row !== undefined) change(row)
    })
  return MediaRepository.of({
    enqueue: (input, now) =>
      Effect.sync(() => {
        if (!rows.has(input.messageId))
          rows.set(input.messageId, { media: fresh(input, "pending"), nextAttemptAt: now.getTime(), lockedUntil: null })
      }),
    saveStored: (input, content, now) =>
      Effect.sync(() => {
        if (!rows.has(input.messageId))
          rows.set(input.messageId, {
            media: { ...fresh(input, "available"), ...content },
            nextAttemptAt: now.getTime(),
            lockedUntil: null
          })
      }),
    claim: (limit, leaseSeconds, now) =>
      Effect.sync(() => {
        const at = now.getTime()
        const due = [...rows.values()]
          .filter(
            (row) =>
              row.media.state === "pending" &&
              row.nextAttemptAt <= at &&
              (row.lockedUntil === null || row.lockedUntil <= at)
          )
          .sort((a, b) => a.nextAttemptAt - b.nextAttemptAt)
          .slice(0, limit)
        for (const row of due) {
          row.media = { ...row.media, attempts: row.media.attempts + 1 }
          row.lockedUntil = at + leaseSeconds * 1000
        }
        return due.map((row) => row.media)
      }),
    markAvailable: (id, content) =>
      update(id, (row) => {
        row.media = { ...row.media, ...content, state: "available", lastError: null }
        row.lockedUntil = null
      }),
    markRetry: (id, error, retryAt) =>
      update(id, (row) => {
        row.media = { ...row.media, lastError: error }
        row.nextAttemptAt = retryAt.getTime()
        row.lockedUntil = null
      }),
    markFailed: (id, error) =>
      update(id, (row) => {
        row.media = { ...row.media, state: "failed", lastError: error }
        row.lockedUntil = null
      }),
    find: (tenantId, messageId) =>
      Effect.sync(() =>
        Option.filter(Option.fromNullishOr(rows.get(messageId)?.media), (media) => media.tenantId === tenantId)
      ),
    findMany: (tenantId, ids) =>
      Effect.sync(() =>
        ids.flatMap((id) => {
          const media = rows.get(id)?.media
          return media !== undefined && media.tenantId === tenantId ? [media] : []
        })
      )
  })
})
