import { createHmac } from "node:crypto"
import { Clock, Context, Effect, Option, Redacted, Schema } from "effect"
import { jwtVerify } from "jose"
import type { Actor } from "../../application/Actor.ts"
import { Role, TenantId, UserId } from "../../domain/Ids.ts"
import { makeVerifiedTokens } from "./VerifiedTokens.ts"

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

/**
 * True when every segment is canonical base64url: the alphabet only, no padding, and the spelling the decoded
 * bytes encode back to. A decoder ignores the unused low bits of the last character, so without this a
 * signature would have several accepted spellings (jose decodes leniently, as `Buffer` does).
 */
const isCanonical = (token: string): boolean => {
  const parts = token.split(".")
  return (
    parts.length === 3 &&
    parts.every(
      (part) => /^[A-Za-z0-9_-]+$/.test(part) && Buffer.from(part, "base64url").toString("base64url") === part
    )
  )
}

export interface JwtOptions {
  /** The longest lifetime (`exp - iat`) a token may have, and the oldest `iat` accepted. */
  readonly maxTtlSeconds: number
  /** How far `exp`, `nbf` and `iat` may be off, for clocks that drift apart (default 30 s). */
  readonly clockToleranceSeconds?: number
  /**
   * How many verified tokens are remembered, and for how long at most (`VerifiedTokens.ts`; default 1,024 for
   * 30 s; `maxEntries: 0` verifies every time). A remembered token's time window is checked again on each use.
   */
  readonly verifiedTokens?: { readonly maxEntries: number; readonly ttlSeconds: number }
}

/** The default `JwtOptions.verifiedTokens`. */
export const DEFAULT_VERIFIED_TOKENS = { maxEntries: 1024, ttlSeconds: 30 }

/** The time claims of a verified token: what jose checks against the clock. */
interface Window {
  readonly exp: number
  readonly iat: number
  readonly nbf: number | undefined
}

/** Twelve hours, the sandbox session's lifetime (`AUTH_JWT_MAX_TTL_SECONDS`). */
export const DEFAULT_JWT_MAX_TTL_SECONDS = 12 * 3600

/**
 * Signs HS256 JWTs and verifies them (`Authorization: Bearer <JWT>`, claims `sub`, `tenant_id`, `role`). A token
 * must carry `exp` and `iat`, live no longer than the maximum lifetime, be in its `nbf`..`exp` window (with a
 * small leeway), and be spelled canonically; verification is jose's `jwtVerify` restricted to HS256. A token
 * verified in the last seconds is not verified again (`VerifiedTokens.ts`): its claims are reused after its time
 * window is checked again, as jose checks it, so a token gets the same verdict either way. The cache belongs to this
 * instance and so to its secret.
 */
export class Jwt extends Context.Service<
  Jwt,
  {
    /** A token for `claims` valid `ttlSeconds` from now (at most the maximum lifetime). */
    sign(claims: Claims, ttlSeconds: number): Effect.Effect<string>
    /** The claims of a valid token (signature, algorithm, lifetime checked), or `Unauthenticated`. */
    verify(token: string): Effect.Effect<Claims, Unauthenticated>
  }
>()("app/adapters/http/Jwt") {
  static readonly make = (
    secret: Redacted.Redacted<string>,
    options: JwtOptions = { maxTtlSeconds: DEFAULT_JWT_MAX_TTL_SECONDS }
  ) => {
    const key = Buffer.from(Redacted.value(secret), "utf8")
    const maxTtl = options.maxTtlSeconds
    const tolerance = options.clockToleranceSeconds ?? 30
    const mac = (input: string) => createHmac("sha256", key).update(input).digest()
    const remembered = options.verifiedTokens ?? DEFAULT_VERIFIED_TOKENS
    const verified = makeVerifiedTokens<{ readonly claims: Claims; readonly window: Window }>(
      remembered.maxEntries,
      remembered.ttlSeconds * 1000
    )
    /** jose's time checks (`jwt_claims_set.js`: `nbf`, `exp`, `maxTokenAge`, `iat` in the past), at `now` seconds. */
    const inWindow = (window: Window, now: number) =>
      (window.nbf === undefined || window.nbf <= now + tolerance) &&
      window.exp > now - tolerance &&
      now - window.iat - tolerance <= maxTtl &&
      now - window.iat >= -tolerance
    // Imported once (issue 18.4): handed the bytes, jose imports them as a WebCrypto key on every verification.
    const verifyKey = globalThis.crypto.subtle.importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, [
      "verify"
    ])
    // A key WebCrypto refuses fails each verification (Unauthenticated), never the process.
    verifyKey.catch(() => undefined)
    const verifyAnew = (token: string, now: number) =>
      Effect.gen(function* () {
        if (!isCanonical(token)) return yield* new Unauthenticated({})
        const { payload } = yield* Effect.tryPromise({
          try: async () =>
            jwtVerify(token, await verifyKey, {
              algorithms: ["HS256"],
              requiredClaims: ["exp", "iat"],
              clockTolerance: tolerance,
              maxTokenAge: maxTtl,
              currentDate: new Date(now)
            }),
          catch: () => new Unauthenticated({})
        })
        const window: Window = { exp: payload.exp!, iat: payload.iat!, nbf: payload.nbf }
        // jose bounds the age (now - iat), not the lifetime a token was given.
        if (window.exp - window.iat > maxTtl) return yield* new Unauthenticated({})
        const claims = decodeClaims(payload)
        if (Option.isNone(claims)) return yield* new Unauthenticated({})
        // jose accepts it while `exp > now - tolerance`, in whole seconds.
        verified.set(token, { claims: claims.value, window }, now, (window.exp + tolerance) * 1000)
        return claims.value
      })
    return Jwt.of({
      sign: (claims, ttlSeconds) =>
        Effect.map(Clock.currentTimeMillis, (millis) => {
          const iat = Math.floor(millis / 1000)
          const { exp: _exp, ...rest } = claims
          const header = base64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))
          const payload = base64url(JSON.stringify({ ...rest, iat, exp: iat + Math.min(ttlSeconds, maxTtl) }))
          return `${header}.${payload}.${base64url(mac(`${header}.${payload}`))}`
        }),
      verify: (token) =>
        Effect.flatMap(Clock.currentTimeMillis, (now) => {
          const known = verified.get(token, now)
          if (known !== undefined && inWindow(known.window, Math.floor(now / 1000))) return Effect.succeed(known.claims)
          return verifyAnew(token, now)
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
