import { createHmac } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import { afterAll, describe, expect, it } from "vitest"
import { WebhookInbox } from "../../application/ports/WebhookInbox.ts"
import { WebhookSettings } from "../../application/ports/WebhookSettings.ts"
import { WebhookIntake } from "../../application/WebhookIntake.ts"
import { JsonErrors } from "./ErrorMiddleware.ts"
import { WebhookIntakeRoute } from "./WebhookRoutes.ts"

const SECRET = "intake-test-secret"
let writes = 0

/** An inbox whose database is gone: every write fails as the SQL adapter's do (a defect), after counting it. */
const UnreachableInbox = Layer.succeed(
  WebhookInbox,
  WebhookInbox.of({
    accept: () =>
      Effect.suspend(() => {
        writes++
        return Effect.die(new Error("connect ECONNREFUSED 127.0.0.1:5432"))
      }),
    claim: () => Effect.succeed([]),
    markProcessed: () => Effect.void,
    markUnrouted: () => Effect.void,
    markFailed: () => Effect.void,
    requeueUnrouted: () => Effect.succeed(0),
    stats: () => Effect.succeed({ pending: 0, unrouted: 0, failed: 0, oldestPendingSeconds: 0 })
  })
)

const web = HttpRouter.toWebHandler(
  Layer.mergeAll(WebhookIntakeRoute, JsonErrors).pipe(
    Layer.provide(WebhookIntake.layer),
    Layer.provide(UnreachableInbox),
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
