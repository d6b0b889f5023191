import { mkdtempSync, readFileSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ConfigProvider, Effect, Option, Redacted } from "effect"
import { IpNetwork } from "effect/net"
import { describe, expect, it } from "vitest"
import { loadAppConfig } from "./AppConfig.ts"

const load = (env: Record<string, string>) =>
  Effect.runPromise(Effect.result(loadAppConfig(ConfigProvider.fromEnvRecord(env))))

const production = {
  META_APP_ID: "123456789012345",
  META_APP_SECRET: "app-secret-value",
  META_REDIRECT_URI: "https://app.example.com/api/integrations/meta/whatsapp/callback",
  META_WEBHOOK_VERIFY_TOKEN: "verify-token-value",
  META_CONFIG_ID: "987654321",
  META_ADS_CONFIG_ID: "876543210",
  TOKEN_ENCRYPTION_KEY_BASE64: Buffer.alloc(32, 7).toString("base64"),
  AUTH_JWT_SECRET: "a".repeat(40),
  APP_BASE_URL: "https://app.example.com",
  DATABASE_URL: "postgres://user:pw@db.example.com:5432/app"
}

describe("configuration", () => {
  it("sandbox mode (no META_APP_ID) generates its secrets once, mode 0600, and points Meta at the sandbox", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cfg-"))
    const first = await load({ DATA_DIR: dataDir, PORT: "4100" })
    if (first._tag !== "Success") throw new Error(String(first.failure))
    const config = first.success
    expect(config.mode).toBe("sandbox")
    expect(config.meta.graphBaseUrl).toBe("http://127.0.0.1:4101")
    expect(config.meta.dialogBaseUrl).toBe("http://127.0.0.1:4101")
    expect(config.meta.sdkUrl).toBe("http://127.0.0.1:4101/sdk.js")
    expect(config.meta.redirectUri).toBe("http://127.0.0.1:4100/api/integrations/meta/whatsapp/callback")
    expect(config.meta.graphVersion).toBe("v24.0")
    expect(Option.isNone(config.databaseUrl)).toBe(true)
    const path = join(dataDir, "sandbox-secrets.json")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    const secrets = JSON.parse(readFileSync(path, "utf8"))
    expect(Object.keys(secrets).sort()).toEqual([
      "AUTH_JWT_SECRET",
      "META_APP_ID",
      "META_APP_SECRET",
      "META_WEBHOOK_VERIFY_TOKEN",
      "TOKEN_ENCRYPTION_KEY_BASE64"
    ])
    expect(config.meta.appId).toBe(secrets.META_APP_ID)
    expect(Redacted.value(config.meta.appSecret)).toBe(secrets.META_APP_SECRET)
    expect(Buffer.from(secrets.TOKEN_ENCRYPTION_KEY_BASE64, "base64")).toHaveLength(32)
    const second = await load({ DATA_DIR: dataDir, PORT: "4100" })
    expect(second._tag === "Success" && second.success.meta.appId).toBe(secrets.META_APP_ID)
  })

  it("production mode accepts a complete configuration", async () => {
    const result = await load(production)
    if (result._tag !== "Success") throw new Error(String(result.failure))
    expect(result.success.mode).toBe("production")
    expect(result.success.meta.graphBaseUrl).toBe("https://graph.facebook.com")
    expect(result.success.meta.dialogBaseUrl).toBe("https://www.facebook.com")
    expect(result.success.meta.sdkUrl).toBe("https://connect.facebook.net/en_US/sdk.js")
    expect(result.success.port).toBe(3000)
    expect(result.success.sandboxPort).toBe(3001)
  })

  it("production mode refuses to start with one message naming each missing or malformed variable", async () => {
    const result = await load({
      META_APP_ID: "123456789012345",
      TOKEN_ENCRYPTION_KEY_BASE64: Buffer.alloc(16, 1).toString("base64"),
      APP_BASE_URL: "not a url",
      PORT: "99999"
    })
    if (result._tag !== "Failure") throw new Error("expected a failure")
    const message = result.failure.message
    for (const name of [
      "META_APP_SECRET is required",
      "META_REDIRECT_URI is required",
      "META_WEBHOOK_VERIFY_TOKEN is required",
      "META_CONFIG_ID is required",
      "META_ADS_CONFIG_ID is required",
      "AUTH_JWT_SECRET is required",
      "DATABASE_URL is required",
      "APP_BASE_URL must be a URL",
      "PORT must be a port number",
      "TOKEN_ENCRYPTION_KEY_BASE64 must decode to exactly 32 bytes (it decodes to 16)"
    ]) {
      expect(message).toContain(name)
    }
  })

  it("the webhook worker runs unless WEBHOOK_WORKER_ENABLED is false; anything else is refused", async () => {
    const on = await load(production)
    expect(on._tag === "Success" && on.success.webhookWorkerEnabled).toBe(true)
    const off = await load({ ...production, WEBHOOK_WORKER_ENABLED: "false" })
    expect(off._tag === "Success" && off.success.webhookWorkerEnabled).toBe(false)
    const bad = await load({ ...production, WEBHOOK_WORKER_ENABLED: "parked" })
    expect(bad._tag === "Failure" && bad.failure.message).toContain("WEBHOOK_WORKER_ENABLED must be true or false")
  })

  it("the webhook worker has its own thread on PostgreSQL with WEBHOOK_WORKER_THREAD=true; never on PGlite", async () => {
    const byDefault = await load(production)
    expect(byDefault._tag === "Success" && byDefault.success.webhookWorkerThread).toBe(false)
    const on = await load({ ...production, WEBHOOK_WORKER_THREAD: "true" })
    expect(on._tag === "Success" && on.success.webhookWorkerThread).toBe(true)
    const off = await load({ ...production, WEBHOOK_WORKER_THREAD: "false" })
    expect(off._tag === "Success" && off.success.webhookWorkerThread).toBe(false)
    const dataDir = mkdtempSync(join(tmpdir(), "config-thread-"))
    const embedded = await load({ DATA_DIR: dataDir })
    expect(embedded._tag === "Success" && embedded.success.webhookWorkerThread).toBe(false)
    const refused = await load({ DATA_DIR: dataDir, WEBHOOK_WORKER_THREAD: "true" })
    expect(refused._tag === "Failure" && refused.failure.message).toContain(
      "WEBHOOK_WORKER_THREAD=true needs DATABASE_URL"
    )
    const bad = await load({ ...production, WEBHOOK_WORKER_THREAD: "maybe" })
    expect(bad._tag === "Failure" && bad.failure.message).toContain("WEBHOOK_WORKER_THREAD must be true or false")
  })

  it("Meta Ads needs its own Login configuration while it is on (the default); off, none is asked for", async () => {
    const { META_ADS_CONFIG_ID: _, ...withoutAds } = production
    const refused = await load(withoutAds)
    if (refused._tag !== "Failure") throw new Error("expected a failure")
    expect(refused.failure.message).toContain("META_ADS_CONFIG_ID is required")
    const on = await load(production)
    expect(on._tag === "Success" && on.success.meta).toMatchObject({ adsEnabled: true, adsConfigId: "876543210" })
    const off = await load({ ...withoutAds, META_ADS_ENABLED: "false" })
    expect(off._tag === "Success" && off.success.meta).toMatchObject({ adsEnabled: false, adsConfigId: null })
    const bad = await load({ ...production, META_ADS_ENABLED: "perhaps" })
    expect(bad._tag === "Failure" && bad.failure.message).toContain("META_ADS_ENABLED must be true or false")
    // Sandbox mode supplies the sandbox app's Ads configuration.
    const sandbox = await load({ DATA_DIR: mkdtempSync(join(tmpdir(), "cfg-")) })
    expect(sandbox._tag === "Success" && sandbox.success.meta.adsConfigId).toBe("sandbox-meta-ads")
  })

  it("a wrong key names the variable and never prints its value", async () => {
    for (const key of ["c2hvcnQ=", "not base64!!", Buffer.alloc(33, 9).toString("base64")]) {
      const result = await load({ ...production, TOKEN_ENCRYPTION_KEY_BASE64: key })
      if (result._tag !== "Failure") throw new Error("expected a failure")
      expect(result.failure.message).toContain("TOKEN_ENCRYPTION_KEY_BASE64")
      expect(result.failure.message).not.toContain(key)
      expect(result.failure.message).not.toContain(production.META_APP_SECRET)
    }
  })

  it("sandbox mode listens on loopback only unless HOST says otherwise; production on every interface", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "cfg-"))
    const sandbox = await load({ DATA_DIR: dataDir })
    expect(sandbox._tag === "Success" && sandbox.success.host).toBe("127.0.0.1")
    const opened = await load({ DATA_DIR: dataDir, HOST: "0.0.0.0" })
    expect(opened._tag === "Success" && opened.success.host).toBe("0.0.0.0")
    const production_ = await load(production)
    expect(production_._tag === "Success" && production_.success.host).toBe("0.0.0.0")
    const named = await load({ ...production, HOST: "app.internal" })
    expect(named._tag === "Success" && named.success.host).toBe("app.internal")
    const bad = await load({ ...production, HOST: "http://x/" })
    expect(bad._tag === "Failure" && bad.failure.message).toContain("HOST must be an IP address or a host name")
  })

  it("TRUSTED_PROXIES takes addresses and CIDR networks (none by default) and names a bad entry", async () => {
    const none = await load(production)
    expect(none._tag === "Success" && none.success.trustedProxies).toEqual([])
    const some = await load({ ...production, TRUSTED_PROXIES: "10.0.0.0/8, 192.0.2.7,::1" })
    if (some._tag !== "Success") throw new Error(String(some.failure))
    expect(some.success.trustedProxies.map(IpNetwork.format)).toEqual(["10.0.0.0/8", "192.0.2.7/32", "::1/128"])
    const bad = await load({ ...production, TRUSTED_PROXIES: "10.0.0.0/8,proxy.example.com,10.0.0.5/8" })
    if (bad._tag !== "Failure") throw new Error("expected a failure")
    expect(bad.failure.message).toContain("TRUSTED_PROXIES (entry 2) must be an IP address or a CIDR network")
    expect(bad.failure.message).toContain("TRUSTED_PROXIES (entry 3)")
    expect(bad.failure.message).not.toContain("proxy.example.com")
  })

  it("AUTH_JWT_MAX_TTL_SECONDS defaults to 12 hours and must be 60 s to 30 days", async () => {
    const result = await load(production)
    expect(result._tag === "Success" && result.success.authJwtMaxTtlSeconds).toBe(43200)
    const set = await load({ ...production, AUTH_JWT_MAX_TTL_SECONDS: "900" })
    expect(set._tag === "Success" && set.success.authJwtMaxTtlSeconds).toBe(900)
    for (const value of ["0", "59", "1.5", "forever", "2592001"]) {
      const bad = await load({ ...production, AUTH_JWT_MAX_TTL_SECONDS: value })
      expect(bad._tag === "Failure" && bad.failure.message, value).toContain("AUTH_JWT_MAX_TTL_SECONDS must be")
    }
  })

  it("WEBHOOK_DELIVERY_TIMEOUT_SECONDS defaults to 10 s and must be 1 to 60 s", async () => {
    const result = await load(production)
    expect(result._tag === "Success" && result.success.outboundWebhooks.timeoutSeconds).toBe(10)
    const set = await load({ ...production, WEBHOOK_DELIVERY_TIMEOUT_SECONDS: "2" })
    expect(set._tag === "Success" && set.success.outboundWebhooks.timeoutSeconds).toBe(2)
    for (const value of ["0", "61", "1.5", "soon"]) {
      const bad = await load({ ...production, WEBHOOK_DELIVERY_TIMEOUT_SECONDS: value })
      expect(bad._tag === "Failure" && bad.failure.message, value).toContain(
        "WEBHOOK_DELIVERY_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 60"
      )
    }
  })

  it("re-derived on Config: blank is absent, PORT=0 is free, words ignore case, URLs lose trailing slashes", async () => {
    const blank = await load({ ...production, PORT: "  ", LOG_LEVEL: "", APP_BASE_URL: "https://app.example.com///" })
    if (blank._tag !== "Success") throw new Error(String(blank.failure))
    expect(blank.success.port).toBe(3000)
    expect(blank.success.logLevel).toBe("info")
    expect(blank.success.appBaseUrl).toBe("https://app.example.com")
    const free = await load({ ...production, PORT: "0", LOG_FORMAT: "PRETTY", LOG_LEVEL: "Warning" })
    if (free._tag !== "Success") throw new Error(String(free.failure))
    expect([free.success.port, free.success.sandboxPort]).toEqual([0, 0])
    expect(free.success.logFormat).toBe("pretty")
    expect(free.success.logLevel).toBe("warning")
    expect(free.success.tokenHealthIntervalSeconds).toBe(3600)
    expect(free.success.metricsRefreshSeconds).toBe(15)
    expect(free.success.webhookProcessedRetentionDays).toBe(14)
    const kept = await load({ ...production, WEBHOOK_PROCESSED_RETENTION_DAYS: "30" })
    if (kept._tag !== "Success") throw new Error(String(kept.failure))
    expect(kept.success.webhookProcessedRetentionDays).toBe(30)
  })

  it("names every other bad variable, never its value", async () => {
    const result = await load({
      ...production,
      SANDBOX_PORT: "-1",
      LOG_LEVEL: "loud-level",
      LOG_FORMAT: "xml-format",
      TOKEN_HEALTH_INTERVAL_SECONDS: "0.5",
      METRICS_REFRESH_SECONDS: "0",
      WEBHOOK_PROCESSED_RETENTION_DAYS: "0",
      META_GRAPH_BASE_URL: "ftp://graph.example.com",
      META_DIALOG_BASE_URL: "no-dialog-url"
    })
    if (result._tag !== "Failure") throw new Error("expected a failure")
    const message = result.failure.message
    for (const problem of [
      "SANDBOX_PORT must be a port number (0-65535)",
      "LOG_LEVEL must be one of",
      "LOG_FORMAT must be json or pretty",
      "TOKEN_HEALTH_INTERVAL_SECONDS must be a whole number of seconds (at least 1)",
      "METRICS_REFRESH_SECONDS must be a whole number of seconds from 1 to 86400",
      "WEBHOOK_PROCESSED_RETENTION_DAYS must be a whole number of days from 1 to 3650",
      "META_GRAPH_BASE_URL must be an http(s) URL",
      "META_DIALOG_BASE_URL must be a URL"
    ]) {
      expect(message).toContain(problem)
    }
    for (const value of ["loud-level", "xml-format", "ftp://graph.example.com", "no-dialog-url"]) {
      expect(message).not.toContain(value)
    }
  })
})
