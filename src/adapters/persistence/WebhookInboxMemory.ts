import { Effect, Exit, Layer, Option } from "effect"
import { InboxWakeups } from "../../application/webhooks/ports/InboxWakeups.ts"
import { type IncomingWebhook, type RoutingKeys, WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import type { WebhookEventId } from "../../domain/Ids.ts"
import { WebhookEvent } from "../../domain/WebhookEvent.ts"
import { makeGroupCommit } from "./GroupCommit.ts"

interface Entry {
  event: WebhookEvent
  keys?: RoutingKeys
  lockedUntil: number
  nextAttemptAt: number
}

const refused = (incoming: IncomingWebhook) =>
  incoming.provider.includes("\u0000") || incoming.bodySha256.includes("\u0000")

export const WebhookInboxMemory = Layer.effect(
  WebhookInbox,
  Effect.gen(function* () {
    const entries = new Map<string, Entry>()
    const set = (id: string, change: (entry: Entry) => Entry) => {
      const entry = entries.get(id)
      if (entry !== undefined) entries.set(id, change(entry))
    }
    /** One batch of the group commit (as the SQL adapter's): one exit per delivery, in order. */
    const acceptBatch = (events: ReadonlyArray<IncomingWebhook>) =>
      Effect.sync(() =>
        events.map((incoming) => {
          // As PostgreSQL's `text` columns do, refuse a NUL in the plain-text fields (the body may hold anything).
          if (refused(incoming)) return Exit.die(new Error('invalid byte sequence for encoding "UTF8": 0x00'))
          const id = crypto.randomUUID() as WebhookEventId
          const event = new WebhookEvent({
            id,
            provider: incoming.provider,
            receivedAt: incoming.receivedAt,
            bodySha256: incoming.bodySha256,
            payload: incoming.payload,
            state: "pending",
            attempts: 0,
            lastError: null,
            processedAt: null
          })
          entries.set(id, { event, lockedUntil: 0, nextAttemptAt: incoming.receivedAt.getTime() })
          return Exit.succeed(id)
        })
      )
    const wakeups = yield* Effect.serviceOption(InboxWakeups)
    const group = yield* makeGroupCommit((events: ReadonlyArray<IncomingWebhook>) =>
      acceptBatch(events).pipe(Effect.tap(() => (Option.isSome(wakeups) ? wakeups.value.wake : Effect.void)))
    )
    return WebhookInbox.of({
      accept: group.accept,
      submit: group.submit,
      intakeHealth: group.health,
      claim: (limit, leaseSeconds, now) =>
        Effect.sync(() => {
          const due = [...entries.values()]
            .filter(
              (entry) =>
                entry.event.state === "pending" &&
                entry.nextAttemptAt <= now.getTime() &&
                entry.lockedUntil <= now.getTime()
            )
            .sort((a, b) => a.event.receivedAt.getTime() - b.event.receivedAt.getTime())
            .slice(0, limit)
          return due.map((entry) => {
            const event = new WebhookEvent({ ...entry.event, attempts: entry.event.attempts + 1 })
            entries.set(event.id, { ...entry, event, lockedUntil: now.getTime() + leaseSeconds * 1000 })
            return event
          })
        }),
      markProcessed: (id, now) =>
        Effect.sync(() =>
          set(id, (entry) => ({
            ...entry,
            lockedUntil: 0,
            event: new WebhookEvent({ ...entry.event, state: "processed", processedAt: now, lastError: null })
          }))
        ),
      markUnrouted: (id, reason, now, keys) =>
        Effect.sync(() =>
          set(id, (entry) => ({
            ...entry,
            keys,
            lockedUntil: 0,
            event: new WebhookEvent({ ...entry.event, state: "unrouted", processedAt: now, lastError: reason })
          }))
        ),
      markFailed: (id, error, retryAt) =>
        Effect.sync(() =>
          set(id, (entry) => ({
            lockedUntil: 0,
            nextAttemptAt: retryAt?.getTime() ?? entry.nextAttemptAt,
            event: new WebhookEvent({
              ...entry.event,
              state: retryAt === null ? "failed" : "pending",
              lastError: error
            })
          }))
        ),
      requeueUnrouted: ({ phoneNumberId, wabaId, since }) =>
        Effect.sync(() => {
          let count = 0
          for (const [id, entry] of entries) {
            if (entry.event.state !== "unrouted" || entry.event.receivedAt.getTime() < since.getTime()) continue
            if (!entry.keys?.phoneNumberIds.includes(phoneNumberId) && !entry.keys?.wabaIds.includes(wabaId)) continue
            entries.set(id, {
              lockedUntil: 0,
              nextAttemptAt: 0,
              event: new WebhookEvent({ ...entry.event, state: "pending", attempts: 0 })
            })
            count++
          }
          return count
        }),
      purgeUnrouted: (before) =>
        Effect.sync(() => {
          let count = 0
          for (const [id, entry] of entries) {
            if (entry.event.state !== "unrouted" || entry.event.receivedAt.getTime() >= before.getTime()) continue
            entries.delete(id)
            count++
          }
          return count
        }),
      purgeProcessed: (before, limit) =>
        Effect.sync(() => {
          let count = 0
          for (const [id, entry] of entries) {
            if (count >= limit) break
            const processedAt = entry.event.processedAt
            if (entry.event.state !== "processed" || processedAt === null || processedAt.getTime() >= before.getTime())
              continue
            entries.delete(id)
            count++
          }
          return count
        }),
      listFailed: (limit) =>
        Effect.sync(() =>
          [...entries.values()]
            .map((entry) => entry.event)
            .filter((event) => event.state === "failed")
            .sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime())
            .slice(0, limit)
            .map((event) => ({
              id: event.id,
              receivedAt: event.receivedAt,
              attempts: event.attempts,
              lastError: event.lastError
            }))
        ),
      requeueFailed: (ids) =>
        Effect.sync(() => {
          let count = 0
          for (const [id, entry] of entries) {
            if (entry.event.state !== "failed" || (ids !== undefined && !ids.includes(entry.event.id))) continue
            entries.set(id, {
              lockedUntil: 0,
              nextAttemptAt: entry.event.receivedAt.getTime(),
              event: new WebhookEvent({ ...entry.event, state: "pending", attempts: 0 })
            })
            count++
          }
          return count
        }),
      stats: (now) =>
        Effect.sync(() => {
          const all = [...entries.values()].map((entry) => entry.event)
          const pending = all.filter((event) => event.state === "pending")
          const oldest = Math.min(...pending.map((event) => event.receivedAt.getTime()))
          return {
            pending: pending.length,
            unrouted: all.filter((event) => event.state === "unrouted").length,
            failed: all.filter((event) => event.state === "failed").length,
            oldestPendingSeconds: pending.length === 0 ? 0 : Math.max(0, (now.getTime() - oldest) / 1000)
          }
        })
    })
  })
)
