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
