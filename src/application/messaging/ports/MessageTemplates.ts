import { Context, type Effect, type Option } from "effect"
import type { TenantId } from "../../../domain/Ids.ts"
import type { MessageTemplate, TemplateStatus } from "../../../domain/MessageTemplate.ts"

export interface TemplateStatusChange {
  readonly status: TemplateStatus
  readonly rejectedReason: string | null
  /** Meta's new category (`template_category_update`, or carried by a status update); null keeps it. */
  readonly category: string | null
  readonly at: Date
}

/** The templates of each tenant's WABAs, as last synced from Meta and moved by its webhooks. */
export class MessageTemplates extends Context.Service<
  MessageTemplates,
  {
    /** A full sync: these are the WABA's templates now (others of that WABA are removed). */
    replaceAll(tenantId: TenantId, wabaId: string, templates: ReadonlyArray<MessageTemplate>): Effect.Effect<void>
    /** One template created (or re-read). */
    put(tenantId: TenantId, template: MessageTemplate): Effect.Effect<void>
    /** A name removed, every language. */
    remove(tenantId: TenantId, wabaId: string, name: string): Effect.Effect<void>
    /** Meta's webhook: the WABA's template in that language changed status; the number of rows changed. */
    setStatus(wabaId: string, name: string, language: string, change: TemplateStatusChange): Effect.Effect<number>
    /** By name, then language. */
    list(tenantId: TenantId, wabaId: string): Effect.Effect<ReadonlyArray<MessageTemplate>>
    find(
      tenantId: TenantId,
      wabaId: string,
      name: string,
      language: string
    ): Effect.Effect<Option.Option<MessageTemplate>>
  }
>()("app/application/messaging/ports/MessageTemplates") {}
