import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Layer } from "effect"
import { HttpRouter } from "effect/http"
import { afterAll, describe, expect, it } from "vitest"
import { JsonErrors } from "./ErrorMiddleware.ts"
import { makeStaticRoutes } from "./StaticRoutes.ts"

const dir = mkdtempSync(join(tmpdir(), "static-"))
const root = join(dir, "dist")
mkdirSync(join(root, "assets"), { recursive: true })
writeFileSync(join(root, "index.html"), "<!doctype html><title>app</title>")
writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)")
writeFileSync(join(root, "assets", "index-abc123.css"), "body{}")
writeFileSync(join(root, "assets", "logo.svg"), "<svg/>")
writeFileSync(join(dir, "secret.txt"), "do not serve")

const serve = (rootDir: string) =>
  HttpRouter.toWebHandler(Layer.mergeAll(makeStaticRoutes({ root: rootDir }), JsonErrors), { disableLogger: true })
const app = serve(root)
const missing = serve(join(dir, "nope"))
const sandboxed = HttpRouter.toWebHandler(
  Layer.mergeAll(makeStaticRoutes({ root, metaOrigins: ["http://127.0.0.1:3001"] }), JsonErrors),
  { disableLogger: true }
)

afterAll(async () => {
  await app.dispose()
  await missing.dispose()
  await sandboxed.dispose()
  rmSync(dir, { recursive: true, force: true })
})

const get = (path: string, handler = app, method = "GET") =>
  handler.handler(new Request(`http://localhost${path}`, { method }))

describe("StaticRoutes", () => {
  it("serves index.html for / and the SPA's /settings pages, revalidated", async () => {
    for (const path of ["/", "/settings", "/settings/integrations", "/settings/integrations?whatsapp=connected"]) {
      const response = await get(path)
      expect(response.status, path).toBe(200)
      expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8")
      expect(response.headers.get("cache-control")).toBe("no-cache")
      expect(await response.text()).toContain("<title>app</title>")
    }
  })

  it("serves hashed assets with their content type, cached for a year", async () => {
    const cases = [
      ["/assets/index-abc123.js", "text/javascript; charset=utf-8", "console.log(1)"],
      ["/assets/index-abc123.css", "text/css; charset=utf-8", "body{}"],
      ["/assets/logo.svg", "image/svg+xml", "<svg/>"]
    ] as const
    for (const [path, type, body] of cases) {
      const response = await get(path)
      expect(response.status).toBe(200)
      expect(response.headers.get("content-type")).toBe(type)
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable")
      expect(await response.text()).toBe(body)
    }
  })

  it("answers 404 for a missing asset and never serves outside the root", async () => {
    expect((await get("/assets/nope.js")).status).toBe(404)
    for (const path of [
      "/assets/../../secret.txt",
      "/assets/%2e%2e/%2e%2e/secret.txt",
      "/assets/..%2f..%2fsecret.txt"
    ]) {
      const response = await get(path)
      expect(response.status, path).toBe(404)
      expect(await response.text()).not.toContain("do not serve")
    }
    // Encoded separators, a NUL, a malformed escape, and the page itself reached from assets/: nothing is served.
    for (const path of [
      "/assets/..%2f..%2f..%2fsecret.txt",
      "/assets/a%00.js",
      "/assets/%E0%A4%A",
      "/assets/..%2findex.html"
    ]) {
      const response = await get(path)
      expect(response.status, path).toBe(404)
      expect(await response.text(), path).not.toMatch(/do not serve|<title>app<\/title>/)
    }
  })

  it("leaves /api and other methods alone: unknown routes stay 404", async () => {
    const api = await get("/api/nope")
    expect(api.status).toBe(404)
    expect(await api.json()).toMatchObject({ error: { code: "not_found" } })
    expect((await get("/settings/integrations", app, "POST")).status).toBe(404)
    expect((await get("/index.html/../secret.txt")).status).toBe(404)
  })

  it("without a build, the pages answer 503 saying how to build", async () => {
    const response = await get("/", missing)
    expect(response.status).toBe(503)
    expect(response.headers.get("content-type")).toContain("text/html")
    expect(await response.text()).toContain("npm run build:web")
    expect((await get("/assets/index-abc123.js", missing)).status).toBe(404)
  })

  /** The directives of a Content-Security-Policy header, by name. */
  const directives = (response: Response) =>
    new Map(
      (response.headers.get("content-security-policy") ?? "")
        .split(";")
        .map((part) => part.trim().split(/\s+/))
        .filter((words) => words[0] !== "")
        .map(([name, ...values]) => [name!, values])
    )

  it("HTML pages cannot be framed, sniffed or leak their URL, and run only their own scripts (and Meta's SDK)", async () => {
    for (const response of [
      await get("/"),
      await get("/settings/integrations?whatsapp=error"),
      await get("/", missing)
    ]) {
      // Clickjacking: another site framing the integrations page to trick a click on Connect or Disconnect.
      expect(response.headers.get("x-frame-options")).toBe("DENY")
      expect(response.headers.get("x-content-type-options")).toBe("nosniff")
      expect(response.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin")
      const csp = directives(response)
      expect(csp.get("frame-ancestors")).toEqual(["'none'"])
      expect(csp.get("default-src")).toEqual(["'self'"])
      expect(csp.get("object-src")).toEqual(["'none'"])
      expect(csp.get("base-uri")).toEqual(["'self'"])
      for (const name of ["script-src", "style-src", "default-src", "connect-src"]) {
        expect(csp.get(name)?.join(" ") ?? "", name).not.toMatch(/unsafe-eval|\*|data:|http:/)
      }
    }
    const csp = directives(await get("/"))
    expect(csp.get("script-src")).toEqual(["'self'", "https://connect.facebook.net"])
    expect(csp.get("script-src")).not.toContain("'unsafe-inline'")
    expect(csp.get("frame-src")).toContain("https://www.facebook.com")
    expect(csp.get("connect-src")).toContain("'self'")
  })

  it("in sandbox mode the sandbox Meta's origin may serve the SDK and be framed and called", async () => {
    const csp = directives(await sandboxed.handler(new Request("http://localhost/settings/integrations")))
    for (const name of ["script-src", "frame-src", "connect-src"]) {
      expect(csp.get(name), name).toContain("http://127.0.0.1:3001")
    }
    expect(csp.get("frame-ancestors")).toEqual(["'none'"])
  })

  it("assets and 404s are never sniffed into another type", async () => {
    expect((await get("/assets/index-abc123.js")).headers.get("x-content-type-options")).toBe("nosniff")
    expect((await get("/assets/nope.js")).headers.get("x-content-type-options")).toBe("nosniff")
  })
})
