import { Effect, Layer } from "effect"
import { ConnectionHealthRepository } from "../../application/ports/ConnectionHealthRepository.ts"
import { type HealthCheck, mergeChecks } from "../../domain/ConnectionHealth.ts"
import type { ConnectionId } from "../../domain/Ids.ts"
import { healthChangedEvent } from "../../domain/OutboundEvent.ts"
import { LAST_WEBHOOK_MARK_SECONDS } from "../../domain/WebhookSilence.ts"
import { OutboxMemory } from "./OutboxMemory.ts"

interface Entry {
  readonly tenantId: string
  checks: ReadonlyArray<HealthCheck>
  lastWebhookAt: Date | null
}

/** Health in a Map: the same rules as the Postgres adapter (a change of overall health announces itself). */
export const ConnectionHealthRepositoryMemory = Layer.effect(
  ConnectionHealthRepository,
  Effect.gen(function* () {
    const outbox = yield* OutboxMemory
    const rows = new Map<string, Entry>()
    const entry = (tenantId: string, connectionId: string): Entry => {
      const found = rows.get(connectionId)
      if (found !== undefined && found.tenantId === tenantId) return found
      const fresh: Entry = { tenantId, checks: [], lastWebhookAt: null }
      if (found === undefined) rows.set(connectionId, fresh)
      return fresh
    }
    return ConnectionHealthRepository.of({
      get: (tenantId, connectionId) =>
        Effect.sync(() => {
          const found = rows.get(connectionId)
          return found === undefined || found.tenantId !== tenantId
            ? { checks: [], lastWebhookAt: null }
            : { checks: [...found.checks], lastWebhookAt: found.lastWebhookAt }
        }),
      save: (tenantId, connectionId, checks) =>
        Effect.suspend(() => {
          const held = rows.get(connectionId)
          if (held !== undefined && held.tenantId !== tenantId) return Effect.void
          const row = entry(tenantId, connectionId)
          const before = row.checks
          row.checks = mergeChecks(row.checks, checks)
          const event = healthChangedEvent(tenantId, connectionId, before, row.checks)
          return event === null ? Effect.void : Effect.asVoid(outbox.write([event]))
        }),
      listAll: Effect.sync(() =>
        [...rows].map(([connectionId, row]) => ({
          connectionId: connectionId as ConnectionId,
          checks: [...row.checks]
        }))
      ),
      recordWebhook: (tenantId, connectionId, at) =>
        Effect.sync(() => {
          const row = entry(tenantId, connectionId)
          if (
            row.lastWebhookAt === null ||
            row.lastWebhookAt.getTime() < at.getTime() - LAST_WEBHOOK_MARK_SECONDS * 1000
          )
            row.lastWebhookAt = at
        }),
      lastWebhookTimes: () =>
        Effect.sync(
          () =>
            new Map(
              [...rows].flatMap(([connectionId, row]) =>
                row.lastWebhookAt === null ? [] : [[connectionId as ConnectionId, row.lastWebhookAt] as const]
              )
            )
        )
    })
  })
)
