import { createHmac } from "node:crypto"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import { TestClock } from "effect/testing"
import { jwtVerify } from "jose"
import { beforeEach, vi } from "vitest"
import { Jwt, type JwtOptions } from "./Auth.ts"
import { MAX_TOKEN_LENGTH, makeVerifiedTokens } from "./VerifiedTokens.ts"

// jose's jwtVerify, counted: a token answered from the cache is not verified again.
vi.mock("jose", async (original) => {
  const jose = await original<typeof import("jose")>()
  return { ...jose, jwtVerify: vi.fn(jose.jwtVerify) }
})
const verifications = () => vi.mocked(jwtVerify).mock.calls.length
beforeEach(() => {
  vi.mocked(jwtVerify).mockClear()
})

describe("makeVerifiedTokens", () => {
  it("keeps a value for at most the TTL and never past its until", () => {
    const tokens = makeVerifiedTokens<string>(10, 1000)
    tokens.set("a", "A", 0, 5000)
    tokens.set("b", "B", 0, 400)
    assert.strictEqual(tokens.get("a", 999), "A")
    assert.isUndefined(tokens.get("a", 1000))
    assert.strictEqual(tokens.get("b", 399), "B")
    assert.isUndefined(tokens.get("b", 400))
    assert.isUndefined(tokens.get("c", 0))
    // Already past its until: not kept.
    tokens.set("d", "D", 500, 500)
    assert.isUndefined(tokens.get("d", 500))
  })

  it("holds at most maxEntries, pushing out the least recently used", () => {
    const tokens = makeVerifiedTokens<string>(2, 60_000)
    tokens.set("a", "A", 0, 60_000)
    tokens.set("b", "B", 0, 60_000)
    assert.strictEqual(tokens.get("a", 1), "A")
    tokens.set("c", "C", 2, 60_000)
    assert.strictEqual(tokens.size, 2)
    assert.isUndefined(tokens.get("b", 3))
    assert.strictEqual(tokens.get("a", 3), "A")
    assert.strictEqual(tokens.get("c", 3), "C")
    for (let i = 0; i < 100; i++) tokens.set(`t${i}`, "T", 4, 60_000)
    assert.strictEqual(tokens.size, 2)
  })

  it("keeps no token longer than MAX_TOKEN_LENGTH", () => {
    const tokens = makeVerifiedTokens<string>(10, 60_000)
    const longest = "x".repeat(MAX_TOKEN_LENGTH)
    tokens.set(longest, "kept", 0, 60_000)
    tokens.set(`${longest}x`, "not kept", 0, 60_000)
    assert.strictEqual(tokens.get(longest, 1), "kept")
    assert.isUndefined(tokens.get(`${longest}x`, 1))
    assert.strictEqual(tokens.size, 1)
  })

  it("keeps nothing with maxEntries 0", () => {
    const tokens = makeVerifiedTokens<string>(0, 60_000)
    tokens.set("a", "A", 0, 60_000)
    assert.strictEqual(tokens.size, 0)
    assert.isUndefined(tokens.get("a", 1))
  })
})

const SECRET = "s".repeat(40)
const START = Date.UTC(2026, 0, 1)
const SECONDS = START / 1000
const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url")
const forge = (payload: Record<string, unknown>, secret = SECRET) => {
  const input = `${b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }))}.${b64url(JSON.stringify(payload))}`
  return `${input}.${b64url(createHmac("sha256", secret).update(input).digest())}`
}
const claims = (tenant: string, times: Record<string, number> = {}) => ({
  sub: "user-1",
  tenant_id: tenant,
  role: "admin",
  iat: SECONDS,
  exp: SECONDS + 600,
  ...times
})
const TENANT_A = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
const TENANT_B = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"

const jwtAt = (options: Partial<JwtOptions> = {}) =>
  Effect.as(TestClock.setTime(START), Jwt.make(Redacted.make(SECRET), { maxTtlSeconds: 3600, ...options }))
const verdict = (jwt: Jwt["Service"], token: string) =>
  Effect.map(Effect.result(jwt.verify(token)), (result) =>
    result._tag === "Success" ? result.success.tenant_id : "refused"
  )

describe("Jwt's verified tokens", () => {
  it.effect("verifies a token once and answers it again from the cache, the same claims", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt()
      const token = forge(claims(TENANT_A))
      const first = yield* jwt.verify(token)
      const again = yield* jwt.verify(token)
      assert.deepStrictEqual(again, first)
      assert.strictEqual(first.tenant_id, TENANT_A)
      assert.strictEqual(verifications(), 1)
    })
  )

  it.effect("does not confuse tokens: another token, or the same claims with another signature, is checked", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt()
      const a = forge(claims(TENANT_A))
      const b = forge(claims(TENANT_B))
      assert.strictEqual(yield* verdict(jwt, a), TENANT_A)
      assert.strictEqual(yield* verdict(jwt, b), TENANT_B)
      assert.strictEqual(yield* verdict(jwt, a), TENANT_A)
      assert.strictEqual(verifications(), 2)
      // The same header and claims signed with another secret, and a's signature under b's claims.
      assert.strictEqual(yield* verdict(jwt, forge(claims(TENANT_A), "t".repeat(40))), "refused")
      const [header, payload] = b.split(".")
      assert.strictEqual(yield* verdict(jwt, `${header}.${payload}.${a.split(".")[2]}`), "refused")
      assert.strictEqual(verifications(), 4)
      // A refusal is not remembered.
      assert.strictEqual(yield* verdict(jwt, forge(claims(TENANT_A), "t".repeat(40))), "refused")
      assert.strictEqual(verifications(), 5)
    })
  )

  it.effect("refuses a cached token once it expired, as jose does (30 s leeway), within the cache's TTL", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt({ verifiedTokens: { maxEntries: 10, ttlSeconds: 3600 } })
      const token = forge(claims(TENANT_A, { exp: SECONDS + 60 }))
      assert.strictEqual(yield* verdict(jwt, token), TENANT_A)
      yield* TestClock.adjust("89 seconds")
      assert.strictEqual(yield* verdict(jwt, token), TENANT_A)
      assert.strictEqual(verifications(), 1)
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* verdict(jwt, token), "refused")
      // A fresh Jwt refuses it too: the same verdict with or without the cache.
      const fresh = Jwt.make(Redacted.make(SECRET), { maxTtlSeconds: 3600 })
      assert.strictEqual(yield* verdict(fresh, token), "refused")
    })
  )

  it.effect("checks the time window again on each hit: a clock set back before nbf refuses the token", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt()
      const token = forge(claims(TENANT_A, { nbf: SECONDS }))
      assert.strictEqual(yield* verdict(jwt, token), TENANT_A)
      yield* TestClock.setTime(START - 31_000)
      assert.strictEqual(yield* verdict(jwt, token), "refused")
      yield* TestClock.setTime(START)
      assert.strictEqual(yield* verdict(jwt, token), TENANT_A)
    })
  )

  it.effect("verifies again after the cache's TTL, and every time with maxEntries 0", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt({ verifiedTokens: { maxEntries: 10, ttlSeconds: 30 } })
      const token = forge(claims(TENANT_A))
      yield* jwt.verify(token)
      yield* TestClock.adjust("29 seconds")
      yield* jwt.verify(token)
      assert.strictEqual(verifications(), 1)
      yield* TestClock.adjust("1 second")
      yield* jwt.verify(token)
      assert.strictEqual(verifications(), 2)

      const uncached = Jwt.make(Redacted.make(SECRET), {
        maxTtlSeconds: 3600,
        verifiedTokens: { maxEntries: 0, ttlSeconds: 30 }
      })
      for (let i = 0; i < 3; i++) assert.strictEqual(yield* verdict(uncached, token), TENANT_A)
      assert.strictEqual(verifications(), 5)
    })
  )

  it.effect("holds at most maxEntries tokens: one pushed out is verified again", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt({ verifiedTokens: { maxEntries: 2, ttlSeconds: 30 } })
      const tokens = [1, 2, 3].map((i) => forge(claims(TENANT_A, { iat: SECONDS - i })))
      for (const token of tokens) yield* jwt.verify(token)
      assert.strictEqual(verifications(), 3)
      yield* jwt.verify(tokens[2]!)
      yield* jwt.verify(tokens[1]!)
      assert.strictEqual(verifications(), 3)
      yield* jwt.verify(tokens[0]!)
      assert.strictEqual(verifications(), 4)
    })
  )

  it.effect("belongs to its Jwt: a Jwt with another secret refuses a token the first one remembers", () =>
    Effect.gen(function* () {
      const jwt = yield* jwtAt()
      const token = forge(claims(TENANT_A))
      assert.strictEqual(yield* verdict(jwt, token), TENANT_A)
      const rotated = Jwt.make(Redacted.make("r".repeat(40)), { maxTtlSeconds: 3600 })
      assert.strictEqual(yield* verdict(rotated, token), "refused")
    })
  )
})
