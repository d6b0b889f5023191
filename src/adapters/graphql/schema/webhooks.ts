import { Effect, Redacted } from "effect"
import type { Delivery, DeliveryAttempt } from "../../../application/outbound/ports/WebhookEndpointStore.ts"
import {
  type EndpointError,
  type EndpointView,
  type EndpointWithSecret,
  WebhookEndpoints
} from "../../../application/outbound/WebhookEndpoints.ts"
import { OUTBOUND_EVENT_TYPES } from "../../../domain/OutboundEvent.ts"
import { builder } from "../builder.ts"
import { domainGraphQLError, GRAPHQL_ERRORS } from "./errors.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly webhookEndpoints: WebhookEndpoints
  }
}

/** Refusals (not an admin, no such endpoint, a refused URL, bad input) as GraphQL errors with `extensions.code`. */
const refusals = <A, R>(effect: Effect.Effect<A, EndpointError, R>) =>
  Effect.mapError(effect, (error) => domainGraphQLError(error, { type: GRAPHQL_ERRORS[error._tag].type }))

export const WebhookEndpoint = builder.objectRef<EndpointView>("WebhookEndpoint").implement({
  description: "A URL of the tenant's backend that receives signed events (Standard Webhooks). Never its secret.",
  fields: (t) => ({
    id: t.exposeID("id"),
    url: t.exposeString("url"),
    events: t.exposeStringList("events", {
      description: "Event types (message.received, connection.*, …) it receives."
    }),
    enabled: t.exposeBoolean("enabled"),
    disabledReason: t.exposeString("disabledReason", {
      nullable: true,
      description: "Why it is disabled: manual (an admin) or failures (too many failed attempts in a row)."
    }),
    consecutiveFailures: t.exposeInt("consecutiveFailures"),
    previousSecretExpiresAt: t.expose("previousSecretExpiresAt", {
      type: "DateTime",
      nullable: true,
      description: "During a secret rotation's overlap: until when the previous secret still signs."
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" })
  })
})

export const WebhookEndpointWithSecret = builder.objectRef<EndpointWithSecret>("WebhookEndpointWithSecret").implement({
  description: "An endpoint with its signing secret: answered once, at creation or rotation; store it now.",
  fields: (t) => ({
    endpoint: t.field({ type: WebhookEndpoint, resolve: (result) => result.endpoint }),
    secret: t.string({
      description: "The signing secret (whsec_…). It is never shown again.",
      resolve: (result) => Redacted.value(result.secret)
    })
  })
})

export const WebhookDeliveryAttempt = builder.objectRef<DeliveryAttempt>("WebhookDeliveryAttempt").implement({
  fields: (t) => ({
    attemptedAt: t.expose("attemptedAt", { type: "DateTime" }),
    statusCode: t.exposeInt("statusCode", { nullable: true, description: "null: no HTTP answer." }),
    durationMs: t.exposeInt("durationMs"),
    responseExcerpt: t.exposeString("responseExcerpt", {
      nullable: true,
      description: "The first bytes (1 KB) of the answer."
    }),
    error: t.exposeString("error", { nullable: true })
  })
})

export const WebhookDeliveryState = builder.enumType("WebhookDeliveryState", {
  values: {
    PENDING: { value: "pending", description: "Waiting for its next attempt." },
    DELIVERED: { value: "delivered", description: "The endpoint answered 2xx." },
    FAILED: { value: "failed", description: "Every attempt failed: Retry now or replay it." }
  } as const
})

export const WebhookDelivery = builder.objectRef<Delivery>("WebhookDelivery").implement({
  description: "One event's delivery to one endpoint, with its attempts.",
  fields: (t) => ({
    id: t.exposeID("id"),
    eventId: t.exposeString("eventId", { description: "The webhook-id header: the same on retries and replays." }),
    eventType: t.exposeString("eventType"),
    state: t.expose("state", { type: WebhookDeliveryState }),
    attempts: t.exposeInt("attempts"),
    nextAttemptAt: t.expose("nextAttemptAt", { type: "DateTime", nullable: true }),
    lastStatusCode: t.exposeInt("lastStatusCode", { nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    occurredAt: t.expose("occurredAt", { type: "DateTime" }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    attemptLog: t.field({ type: [WebhookDeliveryAttempt], resolve: (delivery) => delivery.attemptLog })
  })
})

const CreateWebhookEndpointInput = builder.inputType("CreateWebhookEndpointInput", {
  fields: (t) => ({
    url: t.string({ required: true, description: "HTTPS URL resolving to public addresses." }),
    events: t.stringList({ required: true, description: `Any of ${OUTBOUND_EVENT_TYPES.join(", ")}, or a.b.*.` })
  })
})

const UpdateWebhookEndpointInput = builder.inputType("UpdateWebhookEndpointInput", {
  fields: (t) => ({ url: t.string(), events: t.stringList() })
})

builder.queryFields((t) => ({
  webhookEventTypes: t.stringList({
    description:
      "Every event type a webhook endpoint can subscribe to, in the order of the domain's list (an endpoint may also list a family such as `connection.*`, or `*`).",
    resolve: () => [...OUTBOUND_EVENT_TYPES]
  }),
  webhookEndpoints: t.field({
    type: [WebhookEndpoint],
    description: "The tenant's webhook endpoints (admins only).",
    resolve: (_root, _args, ctx) => ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.list(ctx.actor))))
  }),
  webhookDeliveries: t.field({
    type: [WebhookDelivery],
    description: "An endpoint's recent deliveries, newest first (admins only).",
    args: {
      endpointId: t.arg.id({ required: true }),
      state: t.arg({ type: WebhookDeliveryState }),
      eventType: t.arg.string(),
      first: t.arg.int()
    },
    resolve: (_root, args, ctx) =>
      ctx.run(
        refusals(
          WebhookEndpoints.use((endpoints) =>
            endpoints.deliveries(ctx.actor, String(args.endpointId), {
              state: args.state ?? undefined,
              eventType: args.eventType ?? undefined,
              first: args.first ?? 50
            })
          )
        )
      )
  })
}))

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: WebhookEndpointWithSecret,
    description: "Registers an endpoint; the answer carries its signing secret, shown once.",
    args: { input: t.arg({ type: CreateWebhookEndpointInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.create(ctx.actor, input))))
  }),
  updateWebhookEndpoint: t.field({
    type: WebhookEndpoint,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateWebhookEndpointInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.update(ctx.actor, String(id), input))))
  }),
  disableWebhookEndpoint: t.field({
    type: WebhookEndpoint,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.setEnabled(ctx.actor, String(id), false))))
  }),
  enableWebhookEndpoint: t.field({
    type: WebhookEndpoint,
    description: "Enables it again (its failure count starts over); the URL is checked again.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.setEnabled(ctx.actor, String(id), true))))
  }),
  deleteWebhookEndpoint: t.field({
    type: "Boolean",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.run(
        refusals(WebhookEndpoints.use((endpoints) => endpoints.remove(ctx.actor, String(id)))).pipe(Effect.as(true))
      )
  }),
  rotateWebhookEndpointSecret: t.field({
    type: WebhookEndpointWithSecret,
    description: "A new signing secret; the previous one also signs for overlapHours (default 24).",
    args: { id: t.arg.id({ required: true }), overlapHours: t.arg.int() },
    resolve: (_root, { id, overlapHours }, ctx) =>
      ctx.run(
        refusals(
          WebhookEndpoints.use((endpoints) => endpoints.rotateSecret(ctx.actor, String(id), overlapHours ?? null))
        )
      )
  }),
  sendWebhookTestEvent: t.field({
    type: "String",
    description: "Sends a webhook.test event to the endpoint; answers its event id.",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.run(refusals(WebhookEndpoints.use((endpoints) => endpoints.sendTestEvent(ctx.actor, String(id)))))
  }),
  retryWebhookDelivery: t.field({
    type: "Boolean",
    description: "Makes the delivery due now (a failed one gets a fresh set of attempts).",
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      ctx.run(
        refusals(WebhookEndpoints.use((endpoints) => endpoints.retryNow(ctx.actor, String(id)))).pipe(Effect.as(true))
      )
  }),
  replayWebhookEvents: t.field({
    type: "Int",
    description:
      "Sends again every event of [since, until) the endpoint subscribes to (same event ids); answers how many.",
    args: {
      endpointId: t.arg.id({ required: true }),
      since: t.arg({ type: "DateTime", required: true }),
      until: t.arg({ type: "DateTime" })
    },
    resolve: (_root, { endpointId, since, until }, ctx) =>
      ctx.run(
        refusals(
          WebhookEndpoints.use((endpoints) => endpoints.replay(ctx.actor, String(endpointId), since, until ?? null))
        )
      )
  })
}))
