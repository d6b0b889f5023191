import { readFile } from "node:fs/promises"
import { join, resolve } from "node:path"
import { NodeFileSystem, NodeHttpPlatform, NodePath } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { HttpRouter, HttpServerResponse, HttpStaticServer } from "effect/http"
import { errorResponse } from "./ErrorResponse.ts"

export interface StaticRoutesOptions {
  /** The built web app (`web/dist`): `index.html` and hashed files under `assets/`. */
  readonly root: string
  /**
   * Origins besides Meta's own that the page may load the JS SDK from, frame and call (Embedded Signup): the
   * sandbox Meta in sandbox mode.
   */
  readonly metaOrigins?: ReadonlyArray<string>
}

/** Meta's JS SDK (`connect.facebook.net/…/sdk.js`) and what it frames and calls for `FB.login`. */
const META_SDK = ["https://connect.facebook.net"]
const META_FRAMES = ["https://www.facebook.com", "https://web.facebook.com", "https://staticxx.facebook.com"]
const META_CALLS = ["https://graph.facebook.com", "https://www.facebook.com"]

/**
 * The Content-Security-Policy of the HTML pages: the app's own scripts and styles only (the Vite build has no
 * inline script or style), Meta's SDK, its frames and calls, nothing else; never framed (clickjacking), no
 * plugins, no `<base>` or form posts elsewhere.
 */
export const contentSecurityPolicy = (metaOrigins: ReadonlyArray<string> = []): string => {
  const list = (...sources: ReadonlyArray<string>) => [...new Set(sources)].join(" ")
  return [
    "default-src 'self'",
    `script-src ${list("'self'", ...META_SDK, ...metaOrigins)}`,
    "style-src 'self'",
    // blob: the tenant's media, read with the bearer token and shown from an object URL (never Meta's URL).
    `img-src ${list("'self'", "data:", "blob:", "https://www.facebook.com", ...metaOrigins)}`,
    "media-src 'self' blob:",
    `connect-src ${list("'self'", ...META_CALLS, ...metaOrigins)}`,
    `frame-src ${list(...META_FRAMES, ...metaOrigins)}`,
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'"
  ].join("; ")
}

/** What every response of these routes says: never guess another content type. */
const NOSNIFF = { "x-content-type-options": "nosniff" } as const

/** The types of the files a Vite build holds, by extension (HttpStaticServer's table, with ours first). */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json; charset=utf-8",
  map: "application/json; charset=utf-8",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  ico: "image/x-icon",
  woff: "font/woff",
  woff2: "font/woff2",
  txt: "text/plain; charset=utf-8"
}

const IMMUTABLE = "public, max-age=31536000, immutable"

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Web app not built</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body>
<h1>The web app is not built</h1>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it first), then reload this page.</p>
</body></html>`

/** Reads a file, or `null` when it is missing or not a regular file. */
const read = (path: string) =>
  Effect.promise(() =>
    readFile(path).then(
      (bytes): Uint8Array | null => bytes,
      () => null
    )
  )

/**
 * Serves the built React app: hashed files under `/assets/` (cached for a year; Effect's `HttpStaticServer`, which
 * never reads outside `assets/` and answers ranges and conditional requests), and `index.html` (never cached
 * without revalidation, with the page's security headers) for `/` and every `/settings/*` page, so the client-side
 * routes survive a reload. GET only; `/api/*` is left to the other routes (unknown ones stay 404). Without a build,
 * the pages answer 503 telling how to build one.
 */
export const makeStaticRoutes = (options: StaticRoutesOptions) => {
  const root = resolve(options.root)
  const indexPath = resolve(root, "index.html")
  const pageHeaders = {
    ...NOSNIFF,
    "content-security-policy": contentSecurityPolicy(options.metaOrigins),
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin"
  }

  const index = Effect.map(read(indexPath), (bytes) =>
    bytes === null
      ? HttpServerResponse.text(NOT_BUILT, {
          status: 503,
          contentType: CONTENT_TYPES["html"]!,
          headers: { ...pageHeaders, "cache-control": "no-store", "retry-after": "5" }
        })
      : HttpServerResponse.uint8Array(bytes, {
          contentType: CONTENT_TYPES["html"]!,
          headers: { ...pageHeaders, "cache-control": "no-cache" }
        })
  )

  const notFound = HttpServerResponse.setHeaders(errorResponse(404, "not_found", "There is nothing here."), NOSNIFF)

  return HttpRouter.use(
    Effect.fn(function* (router) {
      const assets = yield* HttpStaticServer.make({
        root: join(root, "assets"),
        index: undefined,
        cacheControl: IMMUTABLE,
        mimeTypes: CONTENT_TYPES
      }).pipe(Effect.orDie)
      yield* router.add("GET", "/", index)
      yield* router.add("GET", "/settings/*", index)
      yield* router.prefixed("/assets").add(
        "GET",
        "/*",
        assets.pipe(
          Effect.map(HttpServerResponse.setHeaders(NOSNIFF)),
          Effect.catchIf(
            (error) => error.reason._tag === "RouteNotFound",
            () => Effect.succeed(notFound)
          )
        )
      )
    })
  ).pipe(Layer.provide(Layer.mergeAll(NodeHttpPlatform.layer, NodeFileSystem.layer, NodePath.layer)))
}
