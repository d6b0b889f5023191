import { Context, type Effect, type Option } from "effect"
import type { TenantId } from "../../../domain/Ids.ts"
import type { MessageTemplate, TemplateStatus } from "../../../domain/MessageTemplate.ts"
import type { NewOutboundEvent } from "../../../domain/OutboundEvent.ts"

/**
 * What a status change announces, written in its transaction: given each changed row's tenant, the template as it is
 * now and its status before.
 */
export type TemplateStatusAnnounce = (
  tenantId: TenantId,
  template: MessageTemplate,
  previousStatus: TemplateStatus
) => ReadonlyArray<NewOutboundEvent>

export interface TemplateDetailsChange {
  /** Meta's new quality score; undefined keeps it. */
  readonly quality?: string
  /** Meta's new category; undefined keeps it. */
  readonly category?: string
  readonly at: Date
}

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
    /**
     * A full sync: these are the WABA's templates now (others of that WABA are removed). A stored template whose
     * status or reason differs from the synced one announces `announce`'s events in the same transaction (a template
     * new to the store announces nothing: there is no status it moved from).
     */
    replaceAll(
      tenantId: TenantId,
      wabaId: string,
      templates: ReadonlyArray<MessageTemplate>,
      announce?: TemplateStatusAnnounce
    ): Effect.Effect<void>
    /** One template created (or re-read). */
    put(tenantId: TenantId, template: MessageTemplate): Effect.Effect<void>
    /** A name removed, every language. */
    remove(tenantId: TenantId, wabaId: string, name: string): Effect.Effect<void>
    /**
     * Meta's webhook: the WABA's template in that language changed status; the number of rows changed. A row whose
     * status or reason moved announces `announce`'s events in the same transaction.
     */
    setStatus(
      wabaId: string,
      name: string,
      language: string,
      change: TemplateStatusChange,
      announce?: TemplateStatusAnnounce
    ): Effect.Effect<number>
    /** Meta's webhooks: the quality score or the category changed; the number of rows changed. */
    setDetails(wabaId: string, name: string, language: string, change: TemplateDetailsChange): Effect.Effect<number>
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
