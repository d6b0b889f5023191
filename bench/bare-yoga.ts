/**
 * The GraphQL reference point: a bare graphql-yoga server on a plain `node:http` server, with the service's
 * `WhatsAppConnection` type and a resolver answering a constant (no auth, no database, no Effect). `run.ts`
 * starts it as a subprocess; it prints `Bare yoga listening on http://127.0.0.1:<port>` and serves until SIGTERM.
 * The yoga options that change the work per request are the service's (no GraphiQL, no landing page, no CORS,
 * masked errors); the service's depth and cost limits are left out, as is everything else the service adds.
 */
import { createServer } from "node:http"
import { createSchema, createYoga } from "graphql-yoga"

export const typeDefs = /* GraphQL */ `
  scalar DateTime
  enum ConnectionStatus {
    NOT_CONNECTED
    PENDING
    ACTIVE
    ERROR
    REVOKED
  }
  type WhatsAppNumberChoice {
    id: String!
    displayPhoneNumber: String!
    verifiedName: String
  }
  type WhatsAppConnection {
    id: ID
    status: ConnectionStatus!
    connected: Boolean!
    phoneNumberE164: String
    displayName: String
    wabaId: String
    phoneNumberId: String
    tokenExpiresAt: DateTime
    error: String
    pendingReason: String
    choices: [WhatsAppNumberChoice!]!
    updatedAt: DateTime
  }
  type Query {
    whatsappConnection: WhatsAppConnection!
  }
`

const constant = {
  id: "00000000-0000-4000-8000-000000000001",
  status: "ACTIVE",
  connected: true,
  phoneNumberE164: "+15550000001",
  displayName: "Bench",
  wabaId: "200000000000001",
  phoneNumberId: "100000000000001",
  tokenExpiresAt: null,
  error: null,
  pendingReason: null,
  choices: [],
  updatedAt: "2026-01-01T00:00:00.000Z"
}

const yoga = createYoga({
  schema: createSchema({ typeDefs, resolvers: { Query: { whatsappConnection: () => constant } } }),
  graphqlEndpoint: "/graphql",
  graphiql: false,
  landingPage: false,
  cors: false,
  maskedErrors: { isDev: false },
  logging: false
})

const server = createServer(yoga)
if (process.argv[1]?.endsWith("bare-yoga.ts"))
  server.listen(0, "127.0.0.1", () => {
    const address = server.address()
    const port = typeof address === "object" && address !== null ? address.port : 0
    console.log(`Bare yoga listening on http://127.0.0.1:${port}`)
  })
process.once("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => process.exit(0))
})
