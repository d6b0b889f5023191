import { createServer } from "node:http"
import { Effect, Redacted } from "effect"
import { Webhook } from "standardwebhooks"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { WebhookSender } from "../../application/outbound/ports/WebhookSender.ts"
import { isPublicAddress, type Resolver, WebhookSenderHttp } from "./WebhookSenderHttp.ts"

const run = <A, E>(effect: Effect.Effect<A, E, WebhookSender>, resolver: Resolver, allowPrivateTargets = false) =>
  Effect.runPromise(Effect.provide(effect, WebhookSenderHttp({ allowPrivateTargets, resolver })))

describe("WebhookSenderHttp", () => {
  let hits = 0
  let lastBody = ""
  const server = createServer((request, response) => {
    hits++
    let body = ""
    request.on("data", (c: Buffer) => {
      body += c
    })
    request.on("end", () => {
      lastBody = body
      response.end("x".repeat(200_000))
    })
  })
  let port = 0
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
    port = (server.address() as { port: number }).port
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  it("classifies addresses: public ones only", () => {
    for (const address of ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
      expect(isPublicAddress(address)).toBe(true)
    for (const address of [
      "127.0.0.1",
      "10.0.0.1",
      "172.16.5.4",
      "192.168.1.1",
      "100.64.0.1",
      "169.254.169.254",
      "0.0.0.0",
      "::1",
      "::",
      "fd00:ec2::254",
      "fe80::1",
      "::ffff:127.0.0.1",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
      "224.0.0.1",
      "not-an-ip"
    ])
      expect(isPublicAddress(address), address).toBe(false)
  })

  it("DNS rebinding: a name public at registration and private at delivery is not delivered to", async () => {
    let calls = 0
    // A rebinding DNS server: the first answer is public, every later one is this host.
    const rebinding: Resolver = async () =>
      calls++ === 0 ? [{ address: "93.184.215.14", family: 4 }] : [{ address: "127.0.0.1", family: 4 }]
    const url = `https://hooks.example.com:${port}/in`
    await run(
      Effect.flatMap(WebhookSender, (sender) => sender.checkTarget(url)),
      rebinding
    )
    const result = await run(
      Effect.flatMap(WebhookSender, (sender) =>
        sender.send({
          url,
          id: "msg_1",
          timestamp: new Date(),
          body: "{}",
          secrets: [Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
        })
      ),
      rebinding
    )
    expect(result.statusCode).toBeNull()
    expect(result.error).toContain("127.0.0.1")
    expect(hits, "nothing reached the private address").toBe(0)
  })

  it("connects to the checked address only; reads at most 64 KB and keeps the first 1 KB", async () => {
    // The name resolves to this host (allowed by the setting); the answer is 200 KB.
    const resolver: Resolver = async () => [{ address: "127.0.0.1", family: 4 }]
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    const timestamp = new Date()
    const result = await run(
      Effect.flatMap(WebhookSender, (sender) =>
        sender.send({
          url: `http://receiver.test:${port}/in`,
          id: "msg_2",
          timestamp,
          body: '{"a":1}',
          secrets: [Redacted.make(secret)]
        })
      ),
      resolver,
      true
    )
    expect(result.statusCode).toBe(200)
    expect(result.responseExcerpt).toHaveLength(1024)
    expect(lastBody).toBe('{"a":1}')
    expect(hits).toBe(1)
    expect(new Webhook(secret).sign("msg_2", timestamp, '{"a":1}')).toMatch(/^v1,/)
  })

  it("an answer slower than timeoutMillis is an attempt without a status, ended at the timeout", async () => {
    const silent = createServer(() => {})
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done))
    try {
      const result = await Effect.runPromise(
        Effect.provide(
          Effect.flatMap(WebhookSender, (sender) =>
            sender.send({
              url: `http://127.0.0.1:${(silent.address() as { port: number }).port}/in`,
              id: "msg_3",
              timestamp: new Date(),
              body: "{}",
              secrets: [Redacted.make("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
            })
          ),
          WebhookSenderHttp({ allowPrivateTargets: true, timeoutMillis: 300 })
        )
      )
      expect(result.statusCode).toBeNull()
      expect(result.error).not.toBeNull()
      expect(result.durationMs).toBeGreaterThanOrEqual(250)
      expect(result.durationMs).toBeLessThan(5_000)
    } finally {
      silent.closeAllConnections()
      await new Promise<void>((done) => silent.close(() => done()))
    }
  })

  it("refuses plain http and unresolvable names without the setting", async () => {
    const resolver: Resolver = async () => {
      throw new Error("ENOTFOUND")
    }
    const check = (url: string) =>
      run(Effect.flip(Effect.flatMap(WebhookSender, (sender) => sender.checkTarget(url))), resolver)
    expect((await check("http://93.184.215.14/x")).reason).toContain("https://")
    expect((await check("https://nowhere.invalid/x")).reason).toContain("does not resolve")
    expect((await check("https://user:pw@93.184.215.14/x")).reason).toContain("user name")
  })
})
