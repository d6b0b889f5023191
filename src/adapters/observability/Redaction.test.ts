import { randomBytes } from "node:crypto"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isSecretKey, makeRedactor, REDACTED, redact, redactValue } from "./Redaction.ts"

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
const randomAlnum = (length: number) => Array.from(randomBytes(length), (byte) => ALNUM[byte % ALNUM.length]).join("")
const metaToken = () => `EAA${randomAlnum(177)}`
const oauthCode = () => `AQ${randomBytes(190).toString("base64url")}`
const jwt = () =>
  [
    Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url"),
    Buffer.from(JSON.stringify({ sub: "user-1", tenant: "t" })).toString("base64url"),
    randomBytes(32).toString("base64url")
  ].join(".")

describe("redact", () => {
  it("removes Meta tokens wherever they are", () => {
    const token = metaToken()
    for (const text of [token, `token ${token} end`, `"${token}"`, `(${token})`, `x=${token}&y=1`]) {
      const out = redact(text)
      expect(out).not.toContain(token)
      expect(out).not.toMatch(/EAA[A-Za-z0-9]{20,}/)
    }
  })

  it("removes app access tokens (app id | secret), also URL-encoded", () => {
    const appToken = `123456789012345|${randomBytes(16).toString("hex")}`
    expect(redact(`auth ${appToken} x`)).toBe(`auth ${REDACTED} x`)
    expect(redact(`auth=${appToken.replace("|", "%7C")}`)).not.toContain(appToken.split("|")[1])
  })

  it("removes bearer credentials, whatever their shape", () => {
    expect(redact("Authorization: Bearer abc.def-ghi_jkl")).toBe(`Authorization: Bearer ${REDACTED}`)
    expect(redact("authorization: bearer short")).toBe(`authorization: bearer ${REDACTED}`)
    expect(redact("Basic dXNlcjpwYXNz")).toBe(`Basic ${REDACTED}`)
  })

  it("removes the values of secret query parameters and keeps the others", () => {
    const url =
      "https://graph.facebook.com/v24.0/oauth/access_token?client_id=1234&client_secret=s3cr3tvalue&code=AQabc&redirect_uri=https%3A%2F%2Fx"
    const out = redact(url)
    expect(out).toContain("client_id=1234")
    expect(out).toContain(`client_secret=${REDACTED}`)
    expect(out).toContain(`code=${REDACTED}`)
    expect(out).toContain("redirect_uri=https%3A%2F%2Fx")
    expect(out).not.toContain("s3cr3tvalue")
    for (const name of ["access_token", "input_token", "fb_exchange_token", "appsecret_proof", "hub.verify_token"]) {
      expect(redact(`/x?${name}=sensitive123&a=b`)).toBe(`/x?${name}=${REDACTED}&a=b`)
    }
    // error_code is a different parameter: its value is kept.
    expect(redact("error_code=190")).toBe("error_code=190")
  })

  it("removes secret members of JSON text", () => {
    const body = JSON.stringify({ access_token: metaToken(), token_type: "bearer", expires_in: 5183944 })
    const out = redact(body)
    expect(out).toContain(`"access_token":"${REDACTED}"`)
    expect(out).toContain('"token_type":"bearer"')
    expect(out).toContain('"expires_in":5183944')
    expect(redact('{"code": "AQxyz", "other": 1}')).toBe(`{"code": "${REDACTED}", "other": 1}`)
  })

  it("removes OAuth codes, webhook signatures and JWTs", () => {
    const code = oauthCode()
    expect(redact(`got ${code}`)).toBe(`got ${REDACTED}`)
    const signature = `sha256=${randomBytes(32).toString("hex")}`
    expect(redact(`x-hub-signature-256: ${signature}`)).toBe(`x-hub-signature-256: sha256=${REDACTED}`)
    expect(redact(`sha1=${randomBytes(20).toString("hex")}`)).toBe(`sha1=${REDACTED}`)
    const token = jwt()
    expect(redact(`session ${token}.`)).toBe(`session ${REDACTED}.`)
  })

  it("removes base64 AES-256 keys", () => {
    const key = randomBytes(32).toString("base64")
    expect(redact(`key ${key} used`)).not.toContain(key)
    // Shorter or longer base64 (ids, hashes) is left alone.
    const wamid = `wamid.${randomBytes(30).toString("base64")}`
    expect(redact(wamid)).toBe(wamid)
  })

  it("leaves ordinary text alone and is idempotent", () => {
    const plain = "Webhook worker: processed 3 events for phone number 123456789012345 in 12 ms (GET /debug_token)"
    expect(redact(plain)).toBe(plain)
    fc.assert(
      fc.property(fc.string(), (s) => {
        const once = redact(s)
        expect(redact(once)).toBe(once)
      })
    )
  })

  it("never lets a generated Meta token through, whatever surrounds it", () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.stringMatching(/^[A-Za-z0-9]{20,60}$/), (before, after, tail) => {
        const out = redact(`${before}EAA${tail}${after}`)
        expect(out).not.toContain(`EAA${tail}`)
      })
    )
  })
})

describe("makeRedactor", () => {
  it("also removes the known secret values, longest first", () => {
    const secret = randomBytes(16).toString("hex")
    const verify = randomBytes(16).toString("hex")
    const text = makeRedactor([secret, verify, "short"])
    expect(text(`app secret ${secret}, verify ${verify}, short stays`)).toBe(
      `app secret ${REDACTED}, verify ${REDACTED}, short stays`
    )
  })
})

describe("redactValue", () => {
  it("replaces values under secret keys, at any depth, and redacts strings everywhere", () => {
    const token = metaToken()
    const value = {
      access_token: token,
      accessToken: token,
      Authorization: "Bearer x",
      headers: { "x-hub-signature-256": "sha256=00", cookie: "a=b" },
      nested: [{ client_secret: "abc", password: "pw", appSecret: "s" }],
      tokenExpiresAt: "2026-01-01T00:00:00.000Z",
      token_type: "bearer",
      code: "AQabcdef",
      error: { code: 190, message: `bad ${token}` },
      note: `see ${token}`
    }
    const out = redactValue(value) as Record<string, unknown>
    const json = JSON.stringify(out)
    expect(json).not.toContain(token)
    expect(json).not.toContain("abc")
    expect(json).not.toContain("pw")
    expect(out["access_token"]).toBe(REDACTED)
    expect(out["accessToken"]).toBe(REDACTED)
    expect(out["Authorization"]).toBe(REDACTED)
    expect(out["code"]).toBe(REDACTED)
    expect(out["tokenExpiresAt"]).toBe("2026-01-01T00:00:00.000Z")
    expect(out["token_type"]).toBe("bearer")
    expect(out["error"]).toEqual({ code: 190, message: `bad ${REDACTED}` })
    expect(out["headers"]).toEqual({ "x-hub-signature-256": REDACTED, cookie: REDACTED })
  })

  it("survives cycles, errors, dates, maps and bigints", () => {
    const cyclic: Record<string, unknown> = { name: "a" }
    cyclic["self"] = cyclic
    const out = redactValue({
      cyclic,
      error: new Error(`failed with ${metaToken()}`),
      date: new Date(0),
      map: new Map([["secret", "x"]]),
      big: 10n
    }) as Record<string, unknown>
    expect((out["cyclic"] as Record<string, unknown>)["self"]).toBe("[circular]")
    expect(out["error"]).toEqual({ name: "Error", message: `failed with ${REDACTED}` })
    expect(out["date"]).toBe("1970-01-01T00:00:00.000Z")
    expect(out["map"]).toEqual({ secret: REDACTED })
    expect(out["big"]).toBe("10")
  })

  it("classifies keys", () => {
    for (const key of ["token", "access_token", "X-Hub-Signature-256", "client_secret", "Password", "authorization"])
      expect(isSecretKey(key, "v")).toBe(true)
    for (const key of ["tokenExpiresAt", "token_type", "expires_in", "endpoint", "status", "request_id"])
      expect(isSecretKey(key, "v")).toBe(false)
    expect(isSecretKey("code", "AQ…")).toBe(true)
    expect(isSecretKey("code", 190)).toBe(false)
  })
})
