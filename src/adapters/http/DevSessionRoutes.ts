import { createHash } from "node:crypto"
import { Effect, Option, Schema } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { Role } from "../../domain/Ids.ts"
import { Jwt } from "./Auth.ts"
import { errorResponse } from "./ErrorResponse.ts"

const SessionRequest = Schema.Struct({
  tenant: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9 _.-]{1,64}$/)),
  role: Role,
  user: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_.@-]{1,64}$/)))
})
const decodeSession = Schema.decodeUnknownOption(SessionRequest)

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A tenant named "acme" is always the same tenant: a UUID derived from the name (or the UUID itself). */
export const devTenantId = (tenant: string): string => {
  if (UUID.test(tenant)) return tenant.toLowerCase()
  const hex = createHash("sha256").update(`dev-tenant:${tenant.toLowerCase()}`).digest("hex")
  const variant = ((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

/**
 * `POST /api/dev/session` (sandbox mode only; the route does not exist otherwise, so it answers 404):
 * `{tenant, role[, user]}` → `{token, tenantId, userId}`, a 12-hour bearer token for trying the service.
 */
export const DevSessionRoutes = HttpRouter.use(
  Effect.fn(function* (router) {
    const jwt = yield* Jwt
    yield* router.add(
      "POST",
      "/api/dev/session",
      Effect.gen(function* () {
        const request = yield* HttpServerRequest.HttpServerRequest
        const body = yield* request.json.pipe(Effect.option)
        const input = Option.flatMap(body, decodeSession)
        if (Option.isNone(input)) {
          return errorResponse(
            400,
            "invalid_request",
            'Send {"tenant": "<name or uuid>", "role": "admin" | "marketing" | "member"}.'
          )
        }
        const tenantId = devTenantId(input.value.tenant)
        const userId =
          input.value.user ?? `${input.value.role}@${input.value.tenant.toLowerCase().replace(/\s+/g, "-")}`
        const token = yield* jwt.sign(
          { sub: userId as never, tenant_id: tenantId as never, role: input.value.role },
          12 * 3600
        )
        return HttpServerResponse.jsonUnsafe({ token, tenantId, userId }, { headers: { "cache-control": "no-store" } })
      })
    )
  })
)
