import { parse } from "graphql/index.js"
import { jwtVerify } from "jose"
import { describe, expect, it } from "vitest"
import {
  type AttackResult,
  aliasQuery,
  crashed,
  exitCode,
  formatTable,
  inboundBody,
  metricValue,
  missingSecurityHeaders,
  nestedJson,
  nonCanonical,
  percentile,
  rateLimitOf,
  runIsolated,
  serviceLogTail,
  signJwt,
  Tally,
  verdict
} from "./attack.ts"

const result = (overrides: Partial<AttackResult>): AttackResult => ({
  id: "1",
  title: "an attack",
  tries: 1,
  handled: 1,
  wrong: 0,
  notes: [],
  ...overrides
})

describe("the attack table and verdict", () => {
  it("counts each probe handled or wrong, keeping why it was wrong", () => {
    const tally = new Tally()
    expect(tally.check(true, "unused")).toBe(true)
    expect(tally.check(false, "answered 200")).toBe(false)
    tally.note("p99 12 ms")
    expect(tally.result("4", "bombs")).toEqual({
      id: "4",
      title: "bombs",
      tries: 2,
      handled: 1,
      wrong: 1,
      notes: ["answered 200", "p99 12 ms"]
    })
  })

  it("is handled only with tries and no wrong one; n/a only when said so and nothing ran", () => {
    expect(verdict(result({}))).toBe("handled")
    expect(verdict(result({ tries: 3, handled: 2, wrong: 1 }))).toBe("wrong")
    expect(verdict(result({ tries: 0, handled: 0 }))).toBe("wrong")
    expect(verdict(result({ tries: 0, handled: 0, notApplicable: "no non-loopback address" }))).toBe("n/a")
    expect(verdict(result({ tries: 1, handled: 0, wrong: 1, notApplicable: "x" }))).toBe("wrong")
  })

  it("exits 1 when any attack is wrong, 0 when all are handled or n/a", () => {
    const na = result({ id: "8a", tries: 0, handled: 0, notApplicable: "none" })
    expect(exitCode([result({}), na])).toBe(0)
    expect(exitCode([result({}), result({ id: "2", tries: 2, handled: 1, wrong: 1 })])).toBe(1)
    expect(exitCode([])).toBe(0)
  })

  it("prints the Markdown table, then the notes (a repeated one once, counted)", () => {
    const table = formatTable([
      result({
        id: "1",
        title: "cost | bypass",
        tries: 5,
        handled: 2,
        wrong: 3,
        notes: ["400?", "40 aliases: 200", "400?"]
      }),
      result({ id: "8a", title: "loopback", tries: 0, handled: 0, notApplicable: "no address" })
    ])
    expect(table).toBe(
      [
        "| attack | tries | handled | wrong |",
        "| --- | ---: | ---: | ---: |",
        "| 1. cost \\| bypass | 5 | 2 | 3 |",
        "| 8a. loopback | 0 | n/a | 0 |",
        "",
        "- 1: 400? (×2)",
        "- 1: 40 aliases: 200",
        "- 8a: n/a: no address"
      ].join("\n")
    )
  })

  it("turns an attack's exception into one more wrong try, after what it had counted", () => {
    const tally = new Tally()
    tally.check(true, "")
    const aborted = crashed("7", "wrong key", tally, new Error("connect: refused\nstack"))
    expect(aborted).toMatchObject({ tries: 2, handled: 1, wrong: 1, notes: ["aborted: connect: refused / stack"] })
  })

  it("isolates attacks: a throw or a hang is that attack's wrong answer", async () => {
    const thrown = await runIsolated({
      id: "2",
      title: "throws",
      timeoutMs: 5_000,
      run: async () => {
        throw new Error("boom")
      }
    })
    const hung = await runIsolated({ id: "3", title: "hangs", timeoutMs: 10, run: () => new Promise(() => undefined) })
    const fine = await runIsolated({
      id: "4",
      title: "fine",
      timeoutMs: 5_000,
      run: async (tally) => void tally.check(true, "")
    })
    expect([verdict(thrown), verdict(hung), verdict(fine)]).toEqual(["wrong", "wrong", "handled"])
    expect(thrown.notes).toEqual(["aborted: boom"])
    expect(hung.notes).toEqual(["aborted: timed out after 10 ms"])
  })

  it("shows the last lines of each service's output, labelled, for a wrong answer", () => {
    const many = Array.from({ length: 50 }, (_, index) => `line ${index + 1}`).join("\n")
    const tail = serviceLogTail(
      [
        { label: "sandbox-mode service #1", output: () => "only line\n" },
        { label: "production-mode service #2", output: () => many }
      ],
      3
    )
    expect(tail).toBe(
      [
        "-- sandbox-mode service #1: last 1 line(s) of its output",
        "only line",
        "-- production-mode service #2: last 3 line(s) of its output",
        "line 48",
        "line 49",
        "line 50"
      ].join("\n")
    )
  })

  it("takes percentiles by nearest rank", () => {
    const values = Array.from({ length: 100 }, (_, index) => 100 - index)
    expect(percentile(values, 50)).toBe(50)
    expect(percentile(values, 99)).toBe(99)
    expect(percentile([7], 99)).toBe(7)
    expect(percentile([], 50)).toBeNaN()
  })
})

describe("the attack payloads", () => {
  const secret = "a".repeat(64)

  it("signs HS256 tokens a JWT library accepts, and unsigned alg-none ones", async () => {
    const now = Math.floor(Date.now() / 1000)
    const token = signJwt(secret, { sub: "u", exp: now + 60 })
    const { payload, protectedHeader } = await jwtVerify(token, new TextEncoder().encode(secret))
    expect([payload.sub, protectedHeader.alg]).toEqual(["u", "HS256"])
    const none = signJwt(secret, { sub: "u" }, { alg: "none" })
    expect(none.endsWith(".")).toBe(true)
    expect(JSON.parse(Buffer.from(none.split(".")[0]!, "base64url").toString())).toMatchObject({ alg: "none" })
  })

  it("alters a signature's string but not its bytes", () => {
    for (let index = 0; index < 50; index++) {
      const signature = signJwt(secret, { index }).split(".")[2]!
      const altered = nonCanonical(signature)
      expect(altered).not.toBe(signature)
      expect(Buffer.from(altered, "base64url").equals(Buffer.from(signature, "base64url"))).toBe(true)
    }
  })

  it("nests a JSON body thousands deep in about 12 KB", () => {
    const body = nestedJson(2_200)
    expect(body.length).toBeGreaterThan(12_000)
    let depth = 0
    for (let value: unknown = JSON.parse(body); typeof value === "object"; depth++) {
      value = (value as { a: unknown }).a
    }
    expect(depth).toBe(2_200)
  })

  it("builds the aliased query, with or without a default for $n", () => {
    const document = parse(aliasQuery(40))
    const operation = document.definitions[0] as unknown as { selectionSet: { selections: Array<unknown> } }
    expect(operation.selectionSet.selections).toHaveLength(40)
    expect(aliasQuery(2)).toContain("query($n: Int) {")
    expect(aliasQuery(2, 1)).toContain("query($n: Int = 1) {")
    expect(() => parse(aliasQuery(300, 1))).not.toThrow()
  })

  it("builds a messages webhook that keeps poison characters as JSON escapes", () => {
    const body = inboundBody({
      phoneNumberId: "106540352242922",
      messages: [{ from: "15550001111", id: "wamid.x", text: "a\u0000b \ud800", timestamp: "99999999999999" }]
    })
    expect(body).toContain("\\u0000")
    expect(body).toContain("\\ud800")
    const value = JSON.parse(body).entry[0].changes[0].value
    expect(value.metadata.phone_number_id).toBe("106540352242922")
    expect(value.messages[0]).toMatchObject({ id: "wamid.x", timestamp: "99999999999999", type: "text" })
    expect(value.contacts).toEqual([{ profile: { name: "Contact 1111" }, wa_id: "15550001111" }])
  })

  it("reads an unlabelled gauge from Prometheus text", () => {
    const text = "# TYPE webhook_events_failed gauge\nwebhook_events_failed 3\nwebhook_events_pending{} 0\n"
    expect(metricValue(text, "webhook_events_failed")).toBe(3)
    expect(metricValue(text, "webhook_events_pending")).toBe(0)
    expect(metricValue(text, "webhook_events_unrouted")).toBeUndefined()
  })
})

describe("reading the answers", () => {
  it("sees a rate limit as a union member, an error code or a 429, with its retryAfterSeconds", () => {
    const data = (value: unknown) => ({ status: 200, body: { data: { startWhatsAppConnect: value } } })
    expect(rateLimitOf(data({ __typename: "StartConnectPayload" }), "startWhatsAppConnect")).toBeNull()
    expect(rateLimitOf(data({ __typename: "RateLimited" }), "startWhatsAppConnect")).toEqual({
      typename: "RateLimited"
    })
    expect(
      rateLimitOf(data({ __typename: "RateLimitedError", retryAfterSeconds: 30 }), "startWhatsAppConnect")
    ).toEqual({ typename: "RateLimitedError", retryAfterSeconds: 30 })
    const error = (extensions: Record<string, unknown>) => ({
      status: 200,
      body: { data: null, errors: [{ message: "Too many requests.", extensions }] }
    })
    expect(rateLimitOf(error({ code: "RATE_LIMITED", retryAfterSeconds: 12 }), "x")).toEqual({ retryAfterSeconds: 12 })
    expect(rateLimitOf(error({ code: "RATE_LIMITED" }), "x")).toEqual({})
    expect(rateLimitOf(error({ code: "INTERNAL_SERVER_ERROR" }), "x")).toBeNull()
    expect(rateLimitOf({ status: 429, body: {} }, "x")).toEqual({})
  })

  it("lists the security headers a page lacks; frame-ancestors stands for X-Frame-Options", () => {
    expect(missingSecurityHeaders(new Headers())).toEqual([
      "Content-Security-Policy",
      "X-Frame-Options DENY or frame-ancestors",
      "X-Content-Type-Options nosniff",
      "Referrer-Policy"
    ])
    const good = new Headers({
      "content-security-policy": "default-src 'self'; frame-ancestors 'none'",
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer"
    })
    expect(missingSecurityHeaders(good)).toEqual([])
    good.set("content-security-policy", "default-src 'self'")
    expect(missingSecurityHeaders(good)).toEqual(["X-Frame-Options DENY or frame-ancestors"])
    good.set("x-frame-options", "deny")
    expect(missingSecurityHeaders(good)).toEqual([])
  })
})
