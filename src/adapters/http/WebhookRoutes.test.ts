import { createHmac } from "node:crypto"
import { Effect, Exit, Layer, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { afterAll, describe, expect, it } from "vitest"
import { answered } from "../../../test/support/WebhookHarness.ts"
import type {
  IncomingWebhook,
  WebhookInbox as WebhookInboxService
} from "../../application/webhooks/ports/WebhookInbox.ts"
import { WebhookInbox } from "../../application/webhooks/ports/WebhookInbox.ts"
import { WebhookSettings } from "../../application/webhooks/ports/WebhookSettings.ts"
import { WebhookIntake } from "../../application/webhooks/WebhookIntake.ts"
import { MetaWebhookVerifier } from "../meta-graph/MetaWebhooks.ts"
import { makeGroupCommit } from "../persistence/GroupCommit.ts"
import { JsonErrors } from "./ErrorMiddleware.ts"
import { WebhookIntakeRoute } from "./WebhookRoutes.ts"

const SECRET = "intake-test-secret"
let writes = 0

/** An inbox with nothing to claim: the tests below give it their own `accept` (and its health). */
const idleInbox: Omit<WebhookInboxService["Service"], "accept" | "intakeHealth"> = {
  claim: () => Effect.succeed([]),
  markProcessed: () => Effect.void,
  markUnrouted: () => Effect.void,
  markFailed: () => Effect.void,
  requeueUnrouted: () => Effect.succeed(0),
  purgeUnrouted: () => Effect.succeed(0),
  purgeProcessed: () => Effect.succeed(0),
  listFailed: () => Effect.succeed([]),
  requeueFailed: () => Effect.succeed(0),
  stats: () => Effect.succeed({ pending: 0, unrouted: 0, failed: 0, oldestPendingSeconds: 0 })
}

/** An inbox whose database is gone: every write fails as the SQL adapter's do (a defect), after counting it. */
const UnreachableInbox = Layer.succeed(
  WebhookInbox,
  WebhookInbox.of({
    accept: () =>
      Effect.suspend(() => {
        writes++
        return Effect.die(new Error("connect ECONNREFUSED 127.0.0.1:5432"))
      }),
    intakeHealth: Effect.die(new Error("not asked here")),
    ...idleInbox
  })
)

const web = HttpRouter.toWebHandler(
  Layer.mergeAll(WebhookIntakeRoute, JsonErrors).pipe(
    Layer.provide(WebhookIntake.layer),
    Layer.provide(UnreachableInbox),
    Layer.provide(MetaWebhookVerifier),
    Layer.provide(Layer.succeed(WebhookSettings, { appSecret: Redacted.make(SECRET), verifyToken: Redacted.make("v") }))
  ),
  { disableLogger: true }
)
afterAll(() => web.dispose())

describe("webhook intake with the database down", () => {
  it("answers 503 with Retry-After so Meta retries, and tells nothing more", async () => {
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] })
    const signature = `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        web.handler(
          new Request("http://localhost/webhooks/meta/whatsapp", {
            method: "POST",
            headers: { "content-type": "application/json", "x-hub-signature-256": signature },
            body
          })
        )
      )
    )
    for (const response of responses) {
      expect(response.status).toBe(503)
      expect(response.headers.get("retry-after")).toBe("5")
      const text = await response.text()
      expect(text).toContain('"code":"unavailable"')
      expect(text).not.toContain("ECONNREFUSED")
    }
    expect(writes).toBeGreaterThan(0)
    // A forged delivery never reaches the store.
    const before = writes
    const forged = await web.handler(
      new Request("http://localhost/webhooks/meta/whatsapp", {
        method: "POST",
        headers: { "x-hub-signature-256": "sha256=" + "0".repeat(64) },
        body
      })
    )
    expect(forged.status).toBe(401)
    expect(writes).toBe(before)
  })
})

const signed = (body: string) =>
  new Request("http://localhost/webhooks/meta/whatsapp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`
    },
    body
  })

describe("webhook intake when a batch throws", () => {
  // The first four writes throw synchronously while the statement is built, as `JSON.stringify` did on a deeply
  // nested body (a stack overflow outside any Effect), once for each of the four writers; later writes succeed.
  let throws = 4
  let stored = 0
  // The inbox's own group commit, over a batch writer that throws as the SQL adapter's statement builder did.
  const writeBatch = (events: ReadonlyArray<IncomingWebhook>) => {
    if (throws > 0) {
      throws--
      throw new RangeError("Maximum call stack size exceeded")
    }
    return Effect.sync(() =>
      events.map(() => Exit.succeed(`00000000-0000-4000-8000-${String(++stored).padStart(12, "0")}` as never))
    )
  }
  const ThrowingInbox = Layer.effect(
    WebhookInbox,
    Effect.map(makeGroupCommit(writeBatch), (group) =>
      WebhookInbox.of({ accept: group.accept, intakeHealth: group.health, ...idleInbox })
    )
  )
  const services = WebhookIntake.layer.pipe(
    Layer.provide(ThrowingInbox),
    Layer.provide(MetaWebhookVerifier),
    Layer.provide(Layer.succeed(WebhookSettings, { appSecret: Redacted.make(SECRET), verifyToken: Redacted.make("v") }))
  )
  const throwing = HttpRouter.toWebHandler(
    Layer.mergeAll(WebhookIntakeRoute, JsonErrors).pipe(Layer.provideMerge(services)),
    { disableLogger: true }
  )
  afterAll(() => throwing.dispose())

  it("answers 503 to the batch that threw, and every writer lives on to store the next deliveries", async () => {
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] })
    for (let i = 0; i < 4; i++) expect((await answered(throwing.handler(signed(body)))).status).toBe(503)
    const after = await Promise.all(Array.from({ length: 8 }, () => answered(throwing.handler(signed(body)))))
    expect(after.map((response) => response.status)).toEqual(Array(8).fill(200))
    expect(stored).toBe(8)
  })

  it("refuses JSON nested deeper than 64 levels with 400, before it reaches a writer", async () => {
    const before = stored
    // 12 KB of brackets, signed: today's bodies that overflowed the stack when serialised.
    const deep = `{"object":"whatsapp_business_account","entry":${"[".repeat(6000)}${"]".repeat(6000)}}`
    for (let i = 0; i < 4; i++) {
      const response = await answered(throwing.handler(signed(deep)))
      expect(response.status).toBe(400)
      expect(await response.text()).toContain("nested deeper than 64")
    }
    // Brackets inside strings do not count; 64 levels are fine.
    const inString = JSON.stringify({ object: "x", entry: [], text: "[".repeat(500) })
    expect((await answered(throwing.handler(signed(inString)))).status).toBe(200)
    const atLimit = `{"a":${"[".repeat(63)}${"]".repeat(63)}}`
    expect((await answered(throwing.handler(signed(atLimit)))).status).toBe(200)
    const overLimit = `{"a":${"[".repeat(64)}${"]".repeat(64)}}`
    expect((await answered(throwing.handler(signed(overLimit)))).status).toBe(400)
    expect(stored).toBe(before + 2)
  })
})
