import SchemaBuilder from "@pothos/core"
import ErrorsPlugin from "@pothos/plugin-errors"
import ScopeAuthPlugin from "@pothos/plugin-scope-auth"
import type { Effect } from "effect"
import { Kind } from "graphql"
import { createGraphQLError } from "graphql-yoga"
import type { Actor } from "../../application/Actor.ts"
import { canOperate } from "../../application/Actor.ts"

/**
 * The services GraphQL resolvers may `run`, one entry per service, added by the schema module whose resolvers run
 * it (`declare module "../builder.ts" { interface GraphqlServices { readonly messaging: Messaging } }`). So this
 * file names no use case, and a module reaches only the use cases it runs (the connect path no messaging).
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled by declaration merging in the schema modules
export interface GraphqlServices {}

/** The union of the services the schema modules registered in `GraphqlServices`. */
export type AppServices = GraphqlServices[keyof GraphqlServices]

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
