import { createHmac } from "node:crypto"
import { Effect, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { TenantId, UserId } from "../../domain/Ids.ts"
import { Jwt } from "./Auth.ts"

const SECRET = "s".repeat(40)
const MAX = 3600
const jwt = Jwt.make(Redacted.make(SECRET), { maxTtlSeconds: MAX })
const claims = { sub: UserId.make("user-1"), tenant_id: TenantId.make("aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa") }

const b64url = (value: string | Buffer) => Buffer.from(value).toString("base64url")

/** A token signed by hand, so a test can say exactly what its header, claims and signature are. */
const forge = (
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: "HS256", typ: "JWT" },
  secret = SECRET,
  hash = "sha256"
) => {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  return `${input}.${b64url(createHmac(hash, secret).update(input).digest())}`
}

const now = () => Math.floor(Date.now() / 1000)
const valid = () => ({ ...claims, role: "admin", iat: now(), exp: now() + 600 })

const accepts = (token: string) => Effect.runPromise(Effect.result(jwt.verify(token))).then((r) => r._tag)

describe("Jwt", () => {
  it("verifies what it signs, and a hand-made HS256 token with iat and exp", async () => {
    const token = Effect.runSync(jwt.sign({ ...claims, role: "member" }, 600))
    const verified = await Effect.runPromise(jwt.verify(token))
    expect(verified.sub).toBe("user-1")
    expect(verified.role).toBe("member")
    expect(await accepts(forge(valid()))).toBe("Success")
  })

  it("signs no token longer than the maximum lifetime", async () => {
    const token = Effect.runSync(jwt.sign({ ...claims, role: "member" }, 10 * MAX))
    const payload = JSON.parse(Buffer.from(token.split(".")[1]!, "base64url").toString("utf8"))
    expect(payload.exp - payload.iat).toBe(MAX)
    expect(await accepts(token)).toBe("Success")
  })

  it("refuses a token without exp, or without iat", async () => {
    const { exp: _exp, ...noExp } = valid()
    const { iat: _iat, ...noIat } = valid()
    expect(await accepts(forge(noExp))).toBe("Failure")
    expect(await accepts(forge(noIat))).toBe("Failure")
  })

  it("refuses a lifetime beyond the maximum, an expired token, and an iat older than the maximum", async () => {
    expect(await accepts(forge({ ...valid(), exp: now() + MAX + 120 }))).toBe("Failure")
    expect(await accepts(forge({ ...valid(), exp: now() + 10 * 365 * 86400 }))).toBe("Failure")
    expect(await accepts(forge({ ...valid(), iat: now() - 700, exp: now() - 100 }))).toBe("Failure")
    expect(await accepts(forge({ ...valid(), iat: now() - MAX - 120, exp: now() + 60 }))).toBe("Failure")
  })

  it("honours nbf and iat with a small leeway, and refuses them further in the future", async () => {
    expect(await accepts(forge({ ...valid(), nbf: now() + 10 }))).toBe("Success")
    expect(await accepts(forge({ ...valid(), nbf: now() + 120 }))).toBe("Failure")
    expect(await accepts(forge({ ...valid(), iat: now() + 10 }))).toBe("Success")
    expect(await accepts(forge({ ...valid(), iat: now() + 120, exp: now() + 600 }))).toBe("Failure")
  })

  it("refuses alg none, HS512 and a token signed with another secret", async () => {
    const none = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(valid()))}.`
    expect(await accepts(none)).toBe("Failure")
    expect(await accepts(forge(valid(), { alg: "HS512", typ: "JWT" }, SECRET, "sha512"))).toBe("Failure")
    // An HS512 MAC under an HS256 header, and an HS256 MAC under an HS512 header.
    expect(await accepts(forge(valid(), { alg: "HS256", typ: "JWT" }, SECRET, "sha512"))).toBe("Failure")
    expect(await accepts(forge(valid(), { alg: "HS512", typ: "JWT" }))).toBe("Failure")
    expect(await accepts(forge(valid(), undefined, "t".repeat(40)))).toBe("Failure")
  })

  it("accepts canonical base64url only: altered trailing bits, padding or whitespace are refused", async () => {
    const token = forge(valid())
    const [header, payload, signature] = token.split(".") as [string, string, string]
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    // A 32-byte MAC is 43 characters: the last one carries 4 bits and 2 unused ones. Flipping an unused bit
    // leaves the decoded bytes unchanged, so a lenient decoder accepts a second spelling of the same signature.
    const last = alphabet.indexOf(signature.at(-1)!)
    const twin = `${signature.slice(0, -1)}${alphabet[last ^ 1]}`
    expect(Buffer.from(twin, "base64url")).toEqual(Buffer.from(signature, "base64url"))
    expect(await accepts(`${header}.${payload}.${twin}`)).toBe("Failure")
    expect(await accepts(`${header}.${payload}.${signature}=`)).toBe("Failure")
    expect(await accepts(`${header}.${payload}.${signature} `)).toBe("Failure")
    expect(await accepts(`${header}.${payload}=.${signature}`)).toBe("Failure")
    expect(await accepts(token)).toBe("Success")
  })

  it("refuses malformed tokens and claims of the wrong shape", async () => {
    for (const token of ["", "a.b", "a.b.c.d", "....", forge({ ...valid(), role: "owner" })]) {
      expect(await accepts(token), token).toBe("Failure")
    }
  })
})
