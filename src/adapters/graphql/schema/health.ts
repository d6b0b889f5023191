import { Effect } from "effect"
import { MetaAdsConnections } from "../../../application/ads/MetaAdsConnections.ts"
import { WhatsAppConnections } from "../../../application/connect/WhatsAppConnections.ts"
import { ConnectionHealthChecks, type HealthView } from "../../../application/health/ConnectionHealthChecks.ts"
import { MetaAdsHealthChecks } from "../../../application/health/MetaAdsHealthChecks.ts"
import { TestMessages } from "../../../application/health/TestMessages.ts"
import { limited, type OperationLimits } from "../../../application/OperationLimits.ts"
import type { HealthCheck } from "../../../domain/ConnectionHealth.ts"
import { InvalidMessage, NotConnected } from "../../../domain/Errors.ts"
import { builder } from "../builder.ts"
import { rateLimitedAsGraphQLError } from "./errors.ts"
import { MetaAdsConnection } from "./metaAds.ts"
import { WhatsAppConnection } from "./whatsapp.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly whatsAppConnections: WhatsAppConnections
    readonly connectionHealthChecks: ConnectionHealthChecks
    readonly metaAdsConnections: MetaAdsConnections
    readonly metaAdsHealthChecks: MetaAdsHealthChecks
    readonly testMessages: TestMessages
    readonly operationLimits: OperationLimits
  }
}

export const HealthStatus = builder.enumType("HealthStatus", {
  values: {
    OK: { value: "ok", description: "Fine." },
    WARNING: { value: "warning", description: "Works, but needs attention (the message says what to do)." },
    FAILING: { value: "failing", description: "Blocks messages or webhooks (the message says the fix)." },
    UNKNOWN: { value: "unknown", description: "Not known: not checked yet, or Meta could not be asked." }
  } as const
})

export const HealthCheckRef = builder.objectRef<HealthCheck>("HealthCheck").implement({
  description: "One health check of a connection, as last run.",
  fields: (t) => ({
    name: t.exposeString("name", {
      description:
        "WhatsApp: token, waba_subscription, app_webhook, number, display_name, quality, messaging_limit, webhooks, " +
        "account_review or send. Meta Ads: ads_token, ads_scopes, ad_account or business_manager."
    }),
    status: t.expose("status", { type: HealthStatus }),
    message: t.exposeString("message", {
      description: "What is wrong and what to do (or what is fine), for a person."
    }),
    checkedAt: t.expose("checkedAt", { type: "DateTime" })
  })
})

export const ConnectionHealth = builder.objectRef<HealthView>("ConnectionHealth").implement({
  description: "The connection's health checks: stored results, refreshed by the health job, webhooks and Check now.",
  fields: (t) => ({
    checks: t.field({ type: [HealthCheckRef], resolve: (view) => view.checks }),
    overall: t.expose("overall", { type: HealthStatus, description: "The worst status of the checks." }),
    checkedAt: t.expose("checkedAt", {
      type: "DateTime",
      nullable: true,
      description: "When a check last ran; null before the first."
    }),
    messagingHealthy: t.exposeBoolean("messagingHealthy", {
      description:
        "No check that gates the connection is FAILING (WhatsApp: token, waba_subscription, app_webhook, number; " +
        "Meta Ads: ads_token, ads_scopes, ad_account): only then is it shown as Connected."
    }),
    lastWebhookAt: t.expose("lastWebhookAt", { type: "DateTime", nullable: true })
  })
})

builder.objectField(WhatsAppConnection, "health", (t) =>
  t.field({
    type: ConnectionHealth,
    description: "The connection's health checks (no checks when there is no connection).",
    resolve: (_view, _args, ctx) => ctx.run(ConnectionHealthChecks.use((health) => health.read(ctx.actor)))
  })
)

const SendTestMessageInput = builder.inputType("SendWhatsAppTestMessageInput", {
  fields: (t) => ({
    to: t.string({ required: true, description: "The phone to send to, in E.164 (+ and 8 to 15 digits)." })
  })
})

builder.mutationField("sendWhatsAppTestMessage", (t) =>
  t.field({
    type: WhatsAppConnection,
    description:
      "Sends a fixed test text to `to` through the normal send path and records the `send` health check (ok when " +
      "Meta accepted it, failing with the reason otherwise; a failed status later turns it failing). Rate-limited.",
    args: { input: t.arg({ type: SendTestMessageInput, required: true }) },
    errors: { types: [NotConnected, InvalidMessage], dataField: { name: "connection" } },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        TestMessages.use((tests) => tests.send(ctx.actor, input.to)).pipe(
          Effect.andThen(WhatsAppConnections.use((connections) => connections.status(ctx.actor))),
          limited("whatsapp.test_message", ctx.actor),
          rateLimitedAsGraphQLError
        )
      )
  })
)

builder.mutationField("checkWhatsAppConnection", (t) =>
  t.field({
    type: WhatsAppConnection,
    description: "Runs the connection's health checks now (rate-limited per workspace); read them under health.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        ConnectionHealthChecks.use((health) => health.checkNow(ctx.actor)).pipe(
          Effect.andThen(WhatsAppConnections.use((connections) => connections.status(ctx.actor))),
          limited("whatsapp.check", ctx.actor),
          rateLimitedAsGraphQLError
        )
      )
  })
)

builder.objectField(MetaAdsConnection, "health", (t) =>
  t.field({
    type: ConnectionHealth,
    description: "The connection's health checks (no checks when there is no connection).",
    resolve: (_view, _args, ctx) => ctx.run(MetaAdsHealthChecks.use((health) => health.read(ctx.actor)))
  })
)

builder.mutationField("checkMetaAdsConnection", (t) =>
  t.field({
    type: MetaAdsConnection,
    description:
      "Runs the Meta Ads connection's health checks now (token, permissions, the selected ad account, its Business " +
      "Manager; rate-limited per workspace); read them under health.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        MetaAdsHealthChecks.use((health) => health.checkNow(ctx.actor)).pipe(
          Effect.andThen(MetaAdsConnections.use((ads) => ads.status(ctx.actor))),
          limited("meta_ads.check", ctx.actor),
          rateLimitedAsGraphQLError
        )
      )
  })
)
