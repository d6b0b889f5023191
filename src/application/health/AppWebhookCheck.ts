import { Clock, Context, type Duration, Effect, Layer, Option, Ref } from "effect"
import { ConnectSettings } from "../ports/ConnectSettings.ts"
import { type AppSubscription, MetaGraph } from "../ports/MetaGraph.ts"

/**
 * The webhook fields the service needs on the app-level subscription: messages and statuses, account events,
 * display-name decisions (a number pending review connects when its name is approved), and the fields that report a
 * connection's health at once (quality and limit, account review, portfolio capability), and the template fields
 * that keep the synced templates current (review status, quality score, category).
 */
export const REQUIRED_WEBHOOK_FIELDS: ReadonlyArray<string> = [
  "messages",
  "account_update",
  "phone_number_name_update",
  "phone_number_quality_update",
  "account_review_update",
  "business_capability_update",
  "message_template_status_update",
  "message_template_quality_update",
  "template_category_update"
]

/**
 * - `ok`: subscribed to this service's callback with the fields it needs;
 * - `missing`: no `whatsapp_business_account` subscription at all (no webhook reaches anyone);
 * - `foreign`: another callback (another environment using the app): webhooks go there, not here;
 * - `inactive`, `fields_missing`: our callback, but Meta would not send (all of) what we need;
 * - `unknown`: Meta could not be asked.
 */
export type AppWebhookState = "ok" | "missing" | "foreign" | "inactive" | "fields_missing" | "unknown"

export interface AppWebhookStatus {
  readonly state: AppWebhookState
  readonly expectedCallbackUrl: string
  readonly callbackUrl: string | null
  readonly missingFields: ReadonlyArray<string>
  /** A sentence for an operator. */
  readonly message: string
  readonly checkedAt: Date
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "")

/**
 * Checks the app's webhook callback (`GET /{app-id}/subscriptions`) against this service's, without ever writing
 * it: the callback belongs to the Meta app, and every environment using the app shares it. The last result is kept
 * for the connection health panel; a missing or foreign callback is logged as a warning.
 */
export class AppWebhookCheck extends Context.Service<
  AppWebhookCheck,
  {
    /** Asks Meta now; never fails (`unknown` when Meta cannot be asked). */
    readonly check: Effect.Effect<AppWebhookStatus>
    /** The last check's result, if any. */
    readonly last: Effect.Effect<Option.Option<AppWebhookStatus>>
  }
>()("app/application/AppWebhookCheck") {
  static readonly layer = Layer.effect(
    AppWebhookCheck,
    Effect.gen(function* () {
      const graph = yield* MetaGraph
      const settings = yield* ConnectSettings
      const last = yield* Ref.make(Option.none<AppWebhookStatus>())
      const expected = settings.webhookCallbackUrl

      const evaluate = (found: AppSubscription | null): Omit<AppWebhookStatus, "checkedAt" | "expectedCallbackUrl"> => {
        if (found === null || found.callbackUrl === null)
          return {
            state: "missing",
            callbackUrl: null,
            missingFields: [...REQUIRED_WEBHOOK_FIELDS],
            message: `The Meta app has no WhatsApp webhook callback: set it to ${expected} in the App Dashboard.`
          }
        const missingFields = REQUIRED_WEBHOOK_FIELDS.filter((field) => !found.fields.includes(field))
        if (!sameUrl(found.callbackUrl, expected))
          return {
            state: "foreign",
            callbackUrl: found.callbackUrl,
            missingFields,
            message: `The Meta app's WhatsApp webhooks go to ${found.callbackUrl}, not to this service (${expected}).`
          }
        if (!found.active)
          return {
            state: "inactive",
            callbackUrl: found.callbackUrl,
            missingFields,
            message: "The Meta app's WhatsApp webhook subscription is not active."
          }
        if (missingFields.length > 0)
          return {
            state: "fields_missing",
            callbackUrl: found.callbackUrl,
            missingFields,
            message: `The Meta app's WhatsApp webhook lacks the field${missingFields.length === 1 ? "" : "s"} ${missingFields.join(", ")}.`
          }
        return {
          state: "ok",
          callbackUrl: found.callbackUrl,
          missingFields: [],
          message: "Webhooks reach this service."
        }
      }

      const check = Effect.gen(function* () {
        const result = yield* graph.appSubscription().pipe(Effect.result)
        const checkedAt = new Date(yield* Clock.currentTimeMillis)
        const status: AppWebhookStatus =
          result._tag === "Success"
            ? { ...evaluate(result.success), expectedCallbackUrl: expected, checkedAt }
            : {
                state: "unknown",
                expectedCallbackUrl: expected,
                callbackUrl: null,
                missingFields: [],
                message: `Meta could not be asked about the app's webhook callback: ${result.failure.message}`,
                checkedAt
              }
        yield* Ref.set(last, Option.some(status))
        if (status.state !== "ok")
          yield* Effect.logWarning(`App webhook check: ${status.message}`).pipe(
            Effect.annotateLogs({ state: status.state, expected_callback: expected, callback: status.callbackUrl })
          )
        return status
      }).pipe(Effect.withSpan("AppWebhookCheck.check"))

      return AppWebhookCheck.of({ check, last: Ref.get(last) })
    })
  )

  /** Checks at start, then every `interval`; `onStatus` records the metric. */
  static readonly worker = (interval: Duration.Input, onStatus: (status: AppWebhookStatus) => Effect.Effect<void>) =>
    Layer.effectDiscard(
      Effect.gen(function* () {
        const webhook = yield* AppWebhookCheck
        const once = webhook.check.pipe(
          Effect.flatMap(onStatus),
          Effect.catchCause((cause) => Effect.logError("App webhook check failed", cause))
        )
        yield* Effect.forkScoped(Effect.forever(once.pipe(Effect.andThen(Effect.sleep(interval)))))
      })
    )
}
