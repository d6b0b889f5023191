import { Effect, Layer, Option } from "effect"
import { MessageTemplates } from "../../application/messaging/ports/MessageTemplates.ts"
import type { MessageTemplate } from "../../domain/MessageTemplate.ts"

const order = (a: MessageTemplate, b: MessageTemplate) =>
  a.name === b.name ? (a.language < b.language ? -1 : 1) : a.name < b.name ? -1 : 1

export const MessageTemplatesMemory = Layer.sync(MessageTemplates, () => {
  const rows = new Map<string, MessageTemplate & { readonly tenantId: string }>()
  const key = (tenantId: string, wabaId: string, name: string, language: string) =>
    JSON.stringify([tenantId, wabaId, name, language])
  return MessageTemplates.of({
    replaceAll: (tenantId, wabaId, templates) =>
      Effect.sync(() => {
        for (const [k, row] of rows) if (row.tenantId === tenantId && row.wabaId === wabaId) rows.delete(k)
        for (const t of templates) rows.set(key(tenantId, wabaId, t.name, t.language), { ...t, wabaId, tenantId })
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
    setStatus: (wabaId, name, language, change) =>
      Effect.sync(() => {
        let changed = 0
        for (const [k, row] of rows) {
          if (row.wabaId !== wabaId || row.name !== name || row.language !== language) continue
          rows.set(k, {
            ...row,
            status: change.status,
            rejectedReason: change.rejectedReason,
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
