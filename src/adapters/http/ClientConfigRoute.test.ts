import { HttpRouter } from "effect/http"
import { describe, expect, it } from "vitest"
import { makeClientConfigRoute } from "./ClientConfigRoute.ts"

describe("ClientConfigRoute", () => {
  for (const mode of ["sandbox", "production"] as const) {
    it(`GET /api/client-config answers {mode: ${mode}} without auth`, async () => {
      const app = HttpRouter.toWebHandler(makeClientConfigRoute({ mode }), { disableLogger: true })
      try {
        const response = await app.handler(new Request("http://localhost/api/client-config"))
        expect(response.status).toBe(200)
        expect(response.headers.get("cache-control")).toBe("no-store")
        expect(await response.json()).toEqual({ mode })
      } finally {
        await app.dispose()
      }
    })
  }
})

describe("ClientConfigRoute with the Embedded Signup settings", () => {
  it("exposes the SDK URL, the app and configuration ids and the message origins", async () => {
    const meta = {
      appId: "1234567890123456",
      configId: "998877",
      graphVersion: "v25.0",
      sdkUrl: "https://connect.facebook.net/en_US/sdk.js",
      messageOrigins: ["https://www.facebook.com", "https://web.facebook.com"]
    }
    const app = HttpRouter.toWebHandler(makeClientConfigRoute({ mode: "production", meta }), { disableLogger: true })
    try {
      const response = await app.handler(new Request("http://localhost/api/client-config"))
      expect(await response.json()).toEqual({ mode: "production", meta })
    } finally {
      await app.dispose()
    }
  })
})
