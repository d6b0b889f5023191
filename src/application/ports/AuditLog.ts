import { Context, type Effect } from "effect"
import type { AuditEntry } from "../../domain/AuditEntry.ts"
import type { TenantId } from "../../domain/Ids.ts"
import type { Page, PageRequest } from "./Page.ts"

export interface NewAuditEntry {
  readonly tenantId: TenantId
  readonly userId: string | null
  readonly action: string
  readonly resourceType: string
  readonly resourceId: string | null
  /** Never holds a token, code or secret. */
  readonly details: Readonly<Record<string, unknown>>
  readonly ip: string | null
}

export class AuditLog extends Context.Service<
  AuditLog,
  {
    record(entry: NewAuditEntry): Effect.Effect<void>
    /** Newest first. */
    list(tenantId: TenantId, page: PageRequest): Effect.Effect<Page<AuditEntry>>
  }
>()("app/application/ports/AuditLog") {}
