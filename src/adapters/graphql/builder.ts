import SchemaBuilder from "@pothos/core"
import ErrorsPlugin from "@pothos/plugin-errors"
import ScopeAuthPlugin from "@pothos/plugin-scope-auth"
import type { Effect } from "effect"
import { Kind } from "graphql"
import { createGraphQLError } from "graphql-yoga"
import { type Actor, canOperate } from "../../application/Actor.ts"
import type { AuditTrail } from "../../application/AuditTrail.ts"
import type { MetaAdsConnections } from "../../application/ads/MetaAdsConnections.ts"
import type { WhatsAppConnections } from "../../application/connect/WhatsAppConnections.ts"
import type { ConnectionHealthChecks } from "../../application/health/ConnectionHealthChecks.ts"
import type { MetaAdsHealthChecks } from "../../application/health/MetaAdsHealthChecks.ts"
import type { TestMessages } from "../../application/health/TestMessages.ts"
import type { Conversations } from "../../application/messaging/Conversations.ts"
import type { MediaFetcher } from "../../application/messaging/MediaFetcher.ts"
import type { Messaging } from "../../application/messaging/Messaging.ts"
import type { MediaSending } from "../../application/messaging/SendMedia.ts"
import type { Templates } from "../../application/messaging/Templates.ts"
import type { OperationLimits } from "../../application/OperationLimits.ts"
import type { WebhookEndpoints } from "../../application/outbound/WebhookEndpoints.ts"
import type { LiveEvents } from "../../application/ports/LiveEvents.ts"
import type { Jwt } from "../http/Auth.ts"

/** The services GraphQL resolvers may `run`; add a service here when a resolver needs it. */
export type AppServices =
  | AuditTrail
  | WhatsAppConnections
  | ConnectionHealthChecks
  | MetaAdsHealthChecks
  | TestMessages
  | MetaAdsConnections
  | Conversations
  | MediaFetcher
  | MediaSending
  | Messaging
  | Templates
  | OperationLimits
  | WebhookEndpoints
  | Jwt
  | LiveEvents

/** What every resolver receives: the one runner of the server, the authenticated actor, and response cookies. */
export interface GraphqlContext {
  /** Runs a use case with the server's services. Rejects with the effect's typed failure, else with the defect. */
  readonly run: <A, E>(effect: Effect.Effect<A, E, AppServices>) => Promise<A>
  readonly actor: Actor
  /** Adds a `Set-Cookie` header (a full cookie string) to the HTTP response. */
  readonly setCookie: (cookie: string) => void
  /** The request came over HTTPS (its URL, or `X-Forwarded-Proto` from the load balancer). */
  readonly secure: boolean
}

const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1)

const parseDateTime = (value: unknown): Date => {
  const date = typeof value === "string" ? new Date(value) : null
  if (date === null || Number.isNaN(date.getTime())) {
    throw createGraphQLError("DateTime must be an ISO 8601 date-time string.")
  }
  return date
}

export const builder = new SchemaBuilder<{
  Context: GraphqlContext
  AuthScopes: { authenticated: boolean; operator: boolean }
  Scalars: { DateTime: { Input: Date; Output: Date } }
  DefaultFieldNullability: false
}>({
  defaultFieldNullability: false,
  // Scope checks wrap every other plugin, so nothing resolves before authorization.
  plugins: [ScopeAuthPlugin, ErrorsPlugin],
  scopeAuth: {
    authScopes: (context) => ({ authenticated: true, operator: canOperate(context.actor) })
  },
  errors: {
    // Deliberately empty: listing `Error` here would turn defects into visible messages and defeat masking.
    defaultTypes: [],
    // `connectWhatsAppManually` → `ConnectWhatsAppManuallyResult = ConnectWhatsAppManuallySuccess | …Error`.
    defaultUnionOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Result` },
    defaultResultOptions: { name: ({ fieldName }) => `${capitalize(fieldName)}Success` }
  }
})

builder.scalarType("DateTime", {
  description: "An instant, as an ISO 8601 string in UTC (e.g. 2025-01-31T12:00:00.000Z).",
  serialize: (date) => date.toISOString(),
  parseValue: parseDateTime,
  parseLiteral: (node) => parseDateTime(node.kind === Kind.STRING ? node.value : null)
})

/** Every expected failure implements `Error`, so clients can always ask `... on Error { message }`. */
export const ErrorInterface = builder.interfaceRef<{ readonly message: string }>("Error").implement({
  description: "An expected failure, explained for a person.",
  fields: (t) => ({ message: t.exposeString("message") })
})

builder.queryType({ authScopes: { authenticated: true } })
builder.mutationType({ authScopes: { authenticated: true } })
