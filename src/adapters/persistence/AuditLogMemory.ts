import { Clock, Effect, Layer } from "effect"
import { AuditLog } from "../../application/ports/AuditLog.ts"
import { AuditEntry } from "../../domain/AuditEntry.ts"
import { pageOf } from "./MemoryPaging.ts"

export const AuditLogMemory = Layer.sync(AuditLog, () => {
  const entries: Array<AuditEntry> = []
  return AuditLog.of({
    record: (entry) =>
      Effect.map(Clock.currentTimeMillis, (millis) => {
        entries.push(
          new AuditEntry({
            ...entry,
            id: crypto.randomUUID(),
            details: { ...entry.details },
            createdAt: new Date(millis)
          })
        )
      }),
    list: (tenantId, page) =>
      Effect.sync(() =>
        pageOf(
          entries.filter((entry) => entry.tenantId === tenantId),
          (entry) => entry.createdAt,
          "desc",
          page
        )
      )
  })
})
