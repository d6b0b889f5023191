import { Context, type Effect } from "effect"
import type {
  TemplateCategoryChanged,
  TemplateQualityChanged,
  TemplateReviewed
} from "../../../domain/InboundEvents.ts"

/** A template webhook: a review status, a quality score or a category. */
export type TemplateChange = TemplateReviewed | TemplateQualityChanged | TemplateCategoryChanged

/**
 * Where the webhook processor hands Meta's template webhooks: the synced templates (`Templates.webhooks`). A port,
 * so the processor does not reach the template use case (Meta, sync, admin actions). Answers how many stored
 * templates it moved.
 */
export class TemplateWebhooks extends Context.Service<
  TemplateWebhooks,
  {
    applyWebhook(change: TemplateChange): Effect.Effect<number>
  }
>()("app/application/webhooks/TemplateWebhooks") {}
