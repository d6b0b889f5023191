import { createHmac } from "node:crypto"
import { readFileSync } from "node:fs"
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import { join } from "node:path"
import { Effect, Layer, ManagedRuntime, Redacted } from "effect"
import { HttpRouter } from "effect/http"
import type { SqlClient } from "effect/sql"
import { layerFromKeys } from "../../src/adapters/crypto/TokenCipherAesGcm.ts"
import { JsonErrors } from "../../src/adapters/http/ErrorMiddleware.ts"
import { HealthRoutes } from "../../src/adapters/http/HealthRoutes.ts"
import { FastPaths, withFastPaths } from "../../src/adapters/http/NodeFastPath.ts"
import {
  makeWebhookFastPath,
  makeWebhookVerifyRoute,
  WebhookIntakeRoute
} from "../../src/adapters/http/WebhookRoutes.ts"
import { MetaGraphMemory } from "../../src/adapters/meta-graph/MetaGraphMemory.ts"
import { MetaWebhooks } from "../../src/adapters/meta-graph/MetaWebhooks.ts"
import { MigrationsLive } from "../../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../../src/adapters/persistence/Persistence.ts"
import { WebhookSettings } from "../../src/application/webhooks/ports/WebhookSettings.ts"
import { WebhookIntake } from "../../src/application/webhooks/WebhookIntake.ts"
import { WebhookProcessor } from "../../src/application/webhooks/WebhookProcessor.ts"

export const APP_SECRET = "webhook-test-app-secret-0123456789abcdef"
export const VERIFY_TOKEN = "webhook-test-verify-token"

export const sign = (body: Uint8Array | string, secret = APP_SECRET) =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

/** Meta's serialisation: JSON with every non-ASCII character escaped as `\uXXXX` (lowercase hex). */
export const metaJson = (value: unknown) =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

const samplesDir = join(import.meta.dirname, "..", "..", "samples", "webhooks")
/** A sample from `samples/webhooks/`, with its phone number id replaced. */
export const sample = (name: string, phoneNumberId?: string): Record<string, unknown> => {
  const text = readFileSync(join(samplesDir, `${name}.json`), "utf8")
  return JSON.parse(phoneNumberId === undefined ? text : text.replaceAll("106540352242922", phoneNumberId))
}

export const messagesPayload = (
  phoneNumberId: string,
  value: { contacts?: ReadonlyArray<unknown>; messages?: ReadonlyArray<unknown>; statuses?: ReadonlyArray<unknown> },
  wabaId = "524126980791429"
) => ({
  object: "whatsapp_business_account",
  entry: [
    {
      id: wabaId,
      changes: [
        {
          field: "messages",
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550000000", phone_number_id: phoneNumberId },
            ...value
          }
        }
      ]
    }
  ]
})

export const textMessage = (id: string, from: string, body: string, timestamp = 1767225600) => ({
  from,
  id,
  timestamp: String(timestamp),
  type: "text",
  text: { body }
})

/** Fails a test, instead of hanging it, when a request gets no answer (a dead writer leaves requests waiting). */
export const answered = (response: Promise<Response>, millis = 10_000) =>
  Promise.race([
    response,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${millis} ms: intake hangs`)), millis).unref()
    )
  ])

/** The webhook routes and their services over one database, shared by the HTTP handler and the assertions. */
export const makeWebhookHarness = (sql: Layer.Layer<SqlClient.SqlClient>) => {
  const memoMap = Effect.runSync(Layer.makeMemoMap)
  const Settings = Layer.succeed(WebhookSettings, {
    appSecret: Redacted.make(APP_SECRET),
    verifyToken: Redacted.make(VERIFY_TOKEN)
  })
  const Services = Layer.mergeAll(WebhookIntake.layer, WebhookProcessor.layer).pipe(
    Layer.provideMerge(MetaWebhooks),
    Layer.provideMerge(
      Layer.mergeAll(
        PersistencePg,
        Settings,
        MetaGraphMemory,
        layerFromKeys({ active: new Uint8Array(32).fill(5), previous: [] })
      )
    ),
    Layer.provideMerge(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(sql)))
  )
  const runtime = ManagedRuntime.make(Services, { memoMap })
  const web = HttpRouter.toWebHandler(
    Layer.mergeAll(
      makeWebhookVerifyRoute(Redacted.make(VERIFY_TOKEN)),
      WebhookIntakeRoute,
      HealthRoutes,
      JsonErrors
    ).pipe(Layer.provide(Services)),
    { memoMap, disableLogger: true }
  )
  const request = (
    body: Uint8Array | string,
    signature: string | null,
    headers: Record<string, string>,
    url = "http://localhost/webhooks/meta/whatsapp"
  ) =>
    new Request(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature === null ? {} : { "x-hub-signature-256": signature }),
        ...headers
      },
      body: typeof body === "string" ? body : Buffer.from(body)
    })
  // `POST /webhooks/meta/whatsapp` as the service serves it: the node:http fast path (main.ts), over a real socket.
  let fastServer: Promise<{ readonly url: string; readonly server: Server }> | undefined
  const fast = () => {
    fastServer ??= runtime.runPromise(makeWebhookFastPath()).then((path) => {
      const paths = new FastPaths()
      paths.add(path)
      paths.open()
      const server = withFastPaths(
        createServer((_request, response) => response.writeHead(404).end()),
        paths
      )
      return new Promise((done) =>
        server.listen(0, "127.0.0.1", () => {
          const address = server.address() as AddressInfo
          done({ url: `http://127.0.0.1:${address.port}`, server })
        })
      )
    })
    return fastServer
  }
  /** A delivery through the fast path, as Meta's would arrive. */
  const post = async (
    body: Uint8Array | string,
    signature: string | null = sign(body),
    headers: Record<string, string> = {}
  ) => fetch(request(body, signature, headers, `${(await fast()).url}/webhooks/meta/whatsapp`))
  /** The same delivery through the router's route (`WebhookIntakeRoute`). */
  const postToRoute = (
    body: Uint8Array | string,
    signature: string | null = sign(body),
    headers: Record<string, string> = {}
  ) => web.handler(request(body, signature, headers))
  return {
    runtime,
    run: <A, E>(effect: Effect.Effect<A, E, Layer.Success<typeof Services>>) => runtime.runPromise(effect),
    handler: web.handler,
    post,
    postToRoute,
    dispose: async () => {
      if (fastServer !== undefined) {
        const { server } = await fastServer
        server.closeAllConnections()
        await new Promise((done) => server.close(done))
      }
      await web.dispose()
      await runtime.dispose()
    }
  }
}
