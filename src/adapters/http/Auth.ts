import { createHmac, timingSafeEqual } from "node:crypto"
import { Context, Effect, Option, Redacted, Schema } from "effect"
import type { Actor } from "../../application/Actor.ts"
import { Role, TenantId, UserId } from "../../domain/Ids.ts"

/** Missing, malformed, wrongly signed or expired bearer token. */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {}) {
  override get message() {
    return "Sign in again: the request has no valid bearer token."
  }
}

const Claims = Schema.Struct({
  sub: UserId,
  tenant_id: TenantId,
  role: Role,
  exp: Schema.optional(Schema.Number),
  flags: Schema.optional(Schema.Array(Schema.String))
})
export type Claims = typeof Claims.Type
const decodeClaims = Schema.decodeUnknownOption(Claims)

const base64url = (data: string | Buffer) => Buffer.from(data).toString("base64url")

/** Signs HS256 JWTs and verifies them (`Authorization: Bearer <JWT>`, claims `sub`, `tenant_id`, `role`). */
export class Jwt extends Context.Service<
  Jwt,
  {
    sign(claims: Claims, ttlSeconds: number): Effect.Effect<string>
    /** The claims of a valid token (signature, algorithm, expiry checked), or `Unauthenticated`. */
    verify(token: string): Effect.Effect<Claims, Unauthenticated>
  }
>()("app/adapters/http/Jwt") {
  static readonly make = (secret: Redacted.Redacted<string>) => {
    const key = Buffer.from(Redacted.value(secret), "utf8")
    const mac = (input: string) => createHmac("sha256", key).update(input).digest()
    return Jwt.of({
      sign: (claims, ttlSeconds) =>
        Effect.sync(() => {
          const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))
          const payload = base64url(
            JSON.stringify({
              ...claims,
              iat: Math.floor(Date.now() / 1000),
              exp: Math.floor(Date.now() / 1000) + ttlSeconds
            })
          )
          return `${header}.${payload}.${base64url(mac(`${header}.${payload}`))}`
        }),
      verify: (token) =>
        Effect.suspend(() => {
          const parts = token.split(".")
          if (parts.length !== 3) return Effect.fail(new Unauthenticated({}))
          const [header, payload, signature] = parts as [string, string, string]
          const expected = mac(`${header}.${payload}`)
          const given = Buffer.from(signature, "base64url")
          if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
            return Effect.fail(new Unauthenticated({}))
          }
          const parse = (text: string): unknown => {
            try {
              return JSON.parse(Buffer.from(text, "base64url").toString("utf8"))
            } catch {
              return null
            }
          }
          const head = parse(header) as { alg?: unknown } | null
          if (head?.alg !== "HS256") return Effect.fail(new Unauthenticated({}))
          const claims = decodeClaims(parse(payload))
          if (Option.isNone(claims)) return Effect.fail(new Unauthenticated({}))
          if (claims.value.exp !== undefined && claims.value.exp * 1000 <= Date.now()) {
            return Effect.fail(new Unauthenticated({}))
          }
          return Effect.succeed(claims.value)
        })
    })
  }
}

/** The actor of a request, from its verified claims and where it came from. */
export const actorOf = (claims: Claims, ip: string | null, userAgent: string | null): Actor => ({
  tenantId: claims.tenant_id,
  userId: claims.sub,
  role: claims.role,
  flags: claims.flags ?? [],
  ip,
  userAgent
})

/** The bearer token of an `Authorization` header, if any. */
export const bearerOf = (header: string | undefined): string | null => {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "")
  return match === null ? null : match[1]!
}
