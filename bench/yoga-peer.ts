/**
 * The realistic GraphQL reference point (issue 18): graphql-yoga on `node:http` with the service's
 * `WhatsAppConnection` type (`bare-yoga.ts`'s schema), doing the work a real resolver must: the bearer JWT is
 * verified with `jose` (HS256, `exp`/`iat` required, as the service's `Jwt`), then one SELECT of the tenant's
 * connection row through `pg` (a pool of 10, the service's pool size). No Effect, no cache.
 *
 * Environment: `PEER_DATABASE_URL`, `PEER_JWT_SECRET`. Prints `Yoga peer listening on http://127.0.0.1:<port>`.
 */
import { createServer } from "node:http"
import { GraphQLError } from "graphql"
import { createSchema, createYoga } from "graphql-yoga"
import { jwtVerify } from "jose"
import pg from "pg"
import { typeDefs } from "./bare-yoga.ts"

const databaseUrl = process.env["PEER_DATABASE_URL"] ?? ""
const jwtSecret = process.env["PEER_JWT_SECRET"] ?? ""
if (databaseUrl === "" || jwtSecret === "") throw new Error("PEER_DATABASE_URL and PEER_JWT_SECRET are required")
const key = new TextEncoder().encode(jwtSecret)
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, application_name: "bench-yoga-peer" })

interface Row {
  readonly id: string
  readonly status: string
  readonly phone_number_e164: string | null
  readonly display_name: string | null
  readonly waba_id: string | null
  readonly phone_number_id: string | null
  readonly token_expires_at: Date | null
  readonly updated_at: Date
}

const yoga = createYoga<{ readonly tenantId: string }>({
  schema: createSchema<{ readonly tenantId: string }>({
    typeDefs,
    resolvers: {
      Query: {
        whatsappConnection: async (_parent: unknown, _args: unknown, context: { readonly tenantId: string }) => {
          const result = await pool.query<Row>(
            "SELECT * FROM channel_connections WHERE tenant_id = $1 AND provider = 'meta_whatsapp' ORDER BY updated_at DESC LIMIT 1",
            [context.tenantId]
          )
          const row = result.rows[0]
          if (row === undefined) return { status: "NOT_CONNECTED", connected: false, choices: [] }
          return {
            id: row.id,
            status: row.status === "active" ? "ACTIVE" : row.status.toUpperCase(),
            connected: row.status === "active",
            phoneNumberE164: row.phone_number_e164,
            displayName: row.display_name,
            wabaId: row.waba_id,
            phoneNumberId: row.phone_number_id,
            tokenExpiresAt: row.token_expires_at?.toISOString() ?? null,
            error: null,
            pendingReason: null,
            choices: [],
            updatedAt: row.updated_at.toISOString()
          }
        }
      }
    }
  }),
  context: async ({ request }) => {
    const header = request.headers.get("authorization") ?? ""
    if (!header.startsWith("Bearer ")) throw new GraphQLError("Unauthenticated")
    const { payload } = await jwtVerify(header.slice(7), key, {
      algorithms: ["HS256"],
      requiredClaims: ["exp", "iat"]
    }).catch(() => {
      throw new GraphQLError("Unauthenticated")
    })
    if (typeof payload["tenant_id"] !== "string") throw new GraphQLError("Unauthenticated")
    return { tenantId: payload["tenant_id"] }
  },
  graphqlEndpoint: "/graphql",
  graphiql: false,
  landingPage: false,
  cors: false,
  maskedErrors: { isDev: false },
  logging: false
})

const server = createServer(yoga)
server.listen(0, "127.0.0.1", () => {
  const address = server.address()
  const port = typeof address === "object" && address !== null ? address.port : 0
  console.log(`Yoga peer listening on http://127.0.0.1:${port}`)
})
process.once("SIGTERM", () => {
  server.closeAllConnections()
  server.close(() => void pool.end().finally(() => process.exit(0)))
})
