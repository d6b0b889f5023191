import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpRouter, HttpServerResponse } from "effect/http"
import { serveWhenReady } from "./StartupGate.ts"

/** An application that never finishes building (a database still migrating): the gate answers alone. */
const neverReady = Layer.effectDiscard(Effect.never).pipe(
  Layer.provideMerge(HttpRouter.add("GET", "/", Effect.succeed(HttpServerResponse.text("app"))))
)
const gated = serveWhenReady(neverReady, Effect.void, () => {}).pipe(Layer.provideMerge(NodeHttpServer.layerTest))

describe("startup gate", () => {
  it.layer(gated)("until the application is ready", (it) => {
    it.effect("a browser gets a page in words that reloads itself; an API client gets JSON; liveness answers", () =>
      Effect.gen(function* () {
        const page = yield* HttpClient.get("/", { headers: { accept: "text/html,application/xhtml+xml" } })
        assert.strictEqual(page.status, 503)
        assert.include(page.headers["content-type"], "text/html")
        assert.strictEqual(page.headers["retry-after"], "2")
        const html = yield* page.text
        assert.include(html, '<meta http-equiv="refresh" content="2" />')
        assert.include(html, "The service is starting")

        const api = yield* HttpClient.get("/readyz", { headers: { accept: "application/json" } })
        assert.strictEqual(api.status, 503)
        assert.include(api.headers["content-type"], "application/json")
        assert.strictEqual(((yield* api.json) as { error: { code: string } }).error.code, "starting")

        const post = yield* HttpClient.post("/", { headers: { accept: "text/html" } })
        assert.strictEqual(post.status, 503)
        assert.include(post.headers["content-type"], "application/json", "only a GET is shown the page")

        const live = yield* HttpClient.get("/healthz")
        assert.strictEqual(live.status, 200)
      })
    )
  })
})
