import { Effect, Layer, Option } from "effect"
import { MessageTemplates } from "../../application/messaging/ports/MessageTemplates.ts"
import type { TenantId } from "../../domain/Ids.ts"
import type { MessageTemplate } from "../../domain/MessageTemplate.ts"
import type { NewOutboundEvent } from "../../domain/OutboundEvent.ts"
import { OutboxMemory } from "./OutboxMemory.ts"

const order = (a: MessageTemplate, b: MessageTemplate) =>
  a.name === b.name ? (a.language < b.language ? -1 : 1) : a.name < b.name ? -1 : 1

/** Templates in a Map; a status change announces itself in the shared memory outbox in the same step. */
export const MessageTemplatesMemory = Layer.effect(
  MessageTemplates,
  Effect.gen(function* () {
    const outbox = yield* OutboxMemory
    const rows = new Map<string, MessageTemplate & { readonly tenantId: string }>()
    const key = (tenantId: string, wabaId: string, name: string, language: string) =>
      JSON.stringify([tenantId, wabaId, name, language])
    return MessageTemplates.of({
      replaceAll: (tenantId, wabaId, templates, announce) =>
        Effect.suspend(() => {
          const before = new Map<string, MessageTemplate>()
          for (const [k, row] of rows)
            if (row.tenantId === tenantId && row.wabaId === wabaId) {
              before.set(k, row)
              rows.delete(k)
            }
          const events: Array<NewOutboundEvent> = []
          for (const t of templates) {
            const k = key(tenantId, wabaId, t.name, t.language)
            const next = { ...t, wabaId }
            rows.set(k, { ...next, tenantId })
            const previous = before.get(k)
            if (announce === undefined || previous === undefined) continue
            if (previous.status !== next.status || previous.rejectedReason !== next.rejectedReason)
              events.push(...announce(tenantId, next, previous.status))
          }
          return events.length === 0 ? Effect.void : outbox.write(events)
        }),
      put: (tenantId, template) =>
        Effect.sync(() => {
          rows.set(key(tenantId, template.wabaId, template.name, template.language), { ...template, tenantId })
        }),
      remove: (tenantId, wabaId, name) =>
        Effect.sync(() => {
          for (const [k, row] of rows)
            if (row.tenantId === tenantId && row.wabaId === wabaId && row.name === name) rows.delete(k)
        }),
      setStatus: (wabaId, name, language, change, announce) =>
        Effect.suspend(() => {
          const events: Array<NewOutboundEvent> = []
          let changed = 0
          for (const [k, row] of rows) {
            if (row.wabaId !== wabaId || row.name !== name || row.language !== language) continue
            const next = {
              ...row,
              status: change.status,
              rejectedReason: change.rejectedReason,
              category: change.category ?? row.category,
              updatedAt: change.at
            }
            rows.set(k, next)
            changed++
            const moved = row.status !== next.status || row.rejectedReason !== next.rejectedReason
            if (announce !== undefined && moved) {
              const { tenantId, ...template } = next
              events.push(...announce(tenantId as TenantId, template, row.status))
            }
          }
          return Effect.as(events.length === 0 ? Effect.void : outbox.write(events), changed)
        }),
      setDetails: (wabaId, name, language, change) =>
        Effect.sync(() => {
          let changed = 0
          for (const [k, row] of rows) {
            if (row.wabaId !== wabaId || row.name !== name || row.language !== language) continue
            rows.set(k, {
              ...row,
              quality: change.quality ?? row.quality,
              category: change.category ?? row.category,
              updatedAt: change.at
            })
            changed++
          }
          return changed
        }),
      list: (tenantId, wabaId) =>
        Effect.sync(() =>
          [...rows.values()]
            .filter((r) => r.tenantId === tenantId && r.wabaId === wabaId)
            .map(({ tenantId: _, ...t }) => t)
            .sort(order)
        ),
      find: (tenantId, wabaId, name, language) =>
        Effect.sync(() => {
          const row = rows.get(key(tenantId, wabaId, name, language))
          if (row === undefined) return Option.none()
          const { tenantId: _, ...t } = row
          return Option.some(t)
        })
    })
  })
)
