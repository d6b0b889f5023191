import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { HttpClient, HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { IpNetwork } from "effect/net"
import { clientIp, isSecure, trustedProxiesMiddleware } from "./RequestContext.ts"

/** A real server on loopback (the peer is 127.0.0.1) that answers with what the service believes of the client. */
const echo = HttpRouter.use(
  Effect.fn(function* (router) {
    yield* router.add(
      "GET",
      "/whoami",
      Effect.map(HttpServerRequest.HttpServerRequest, (request) =>
        HttpServerResponse.jsonUnsafe({ ip: clientIp(request), secure: isSecure(request) })
      )
    )
  })
)
const serve = (trusted: ReadonlyArray<string>) =>
  HttpRouter.serve(Layer.merge(echo, trustedProxiesMiddleware(trusted.map(IpNetwork.fromStringUnsafe)))).pipe(
    Layer.provideMerge(NodeHttpServer.layerTest)
  )

const whoami = (headers: Record<string, string>) =>
  HttpClient.get("/whoami", { headers }).pipe(
    Effect.flatMap((response) => response.json),
    Effect.map((body) => body as { ip: string; secure: boolean })
  )

describe("client address", () => {
  it.layer(serve([]))("with no trusted proxy (the default)", (it) => {
    it.effect("a spoofed X-Forwarded-For / -Proto is ignored: the address is the socket peer's", () =>
      Effect.gen(function* () {
        const seen = yield* whoami({ "x-forwarded-for": "6.6.6.6", "x-forwarded-proto": "https" })
        assert.strictEqual(seen.ip, "127.0.0.1")
        assert.isFalse(seen.secure)
      })
    )
  })

  it.layer(serve(["127.0.0.0/8"]))("behind a trusted proxy", (it) => {
    it.effect("the client the proxy appended is believed, not what the client wrote before it", () =>
      Effect.gen(function* () {
        const seen = yield* whoami({ "x-forwarded-for": "6.6.6.6, 198.51.100.7", "x-forwarded-proto": "http, https" })
        assert.strictEqual(seen.ip, "198.51.100.7")
        assert.isTrue(seen.secure)
        const direct = yield* whoami({})
        assert.strictEqual(direct.ip, "127.0.0.1")
      })
    )
  })
})
