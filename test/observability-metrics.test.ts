/**
 * `GET /metrics` of the real service (sandbox mode): after a connect, a refused callback and webhooks, the
 * exposition parses as Prometheus text and shows every metric the service defines with plausible values.
 */
import { createHmac } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { METRIC_NAMES } from "../src/adapters/observability/Metrics.ts"
import { client } from "./support/Browserless.ts"
import { type Family, parsePrometheusText, sampleValue } from "./support/PrometheusText.ts"
import { type RunningService, type Stack, startStack } from "./support/Service.ts"

let stack: Stack
let service: RunningService
let sandboxUrl: string
let http: ReturnType<typeof client>

const control = (path: string, body?: unknown, method?: string) => stack.control(path, body, method)
const numberIds = async () => {
  const state = (await (await fetch(`${sandboxUrl}/_sandbox/state`)).json()) as { numbers: Array<{ id: string }> }
  return new Set(state.numbers.map((n) => n.id))
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

beforeAll(async () => {
  stack = await startStack("obs-metrics", {
    LOG_LEVEL: "info",
    // The gauges' refresher (15 s by default) comes round within the test's polling.
    METRICS_REFRESH_SECONDS: "1"
  })
  ;({ service, sandboxUrl } = stack)
  http = client(service.url)
}, 60_000)

afterAll(async () => {
  await service?.stop()
})

const scrape = async () => {
  const response = await fetch(`${service.url}/metrics`)
  return { response, text: response.status === 200 ? await response.text() : "" }
}

describe("GET /metrics", () => {
  it("serves every metric with plausible values after a connect and webhooks", async () => {
    const first = await scrape()
    expect(first.response.status).toBe(200)
    expect(first.response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/)

    // Tokens that expire (Embedded Signup's system-user tokens otherwise never do), so the expiry gauge is finite.
    await control("config", { tokenExpiresIn60Days: true })
    const { token } = await http.session("obs-metrics")
    const before = await numberIds()
    const connected = await http.connect(token, { action: "approve", waba: "new", phone: "new" })
    expect(new URL(connected.location).searchParams.get("whatsapp")).toBe("connected")
    const phoneNumberId = [...(await numberIds())].find((id) => !before.has(id))
    expect(phoneNumberId).toBeDefined()
    const cancelled = await http.connect(token, { action: "cancel" })
    expect(new URL(cancelled.location).searchParams.get("reason")).toBe("cancelled")

    const inbound = await control("inbound", { phoneNumberId, from: "14155550123", text: "hello" })
    expect(inbound["deliveryStatus"]).toBe(200)
    const body = JSON.stringify({ object: "whatsapp_business_account", entry: [] })
    const forged = await fetch(`${service.url}/webhooks/meta/whatsapp`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-hub-signature-256": `sha256=${createHmac("sha256", "wrong").update(body).digest("hex")}`
      },
      body
    })
    expect(forged.status).toBe(401)

    // The gauges come from a background refresher: wait until it has seen the connection.
    let families: ReadonlyMap<string, Family> = new Map()
    for (let i = 0; i < 100; i++) {
      families = parsePrometheusText((await scrape()).text)
      const hours = sampleValue(families, "meta_token_expires_in_hours")
      if (hours !== undefined && Number.isFinite(hours)) break
      await sleep(200)
    }

    for (const name of METRIC_NAMES) expect(families.has(name), `${name} is exposed`).toBe(true)
    expect(families.get("meta_api_response_time_seconds")?.type).toBe("histogram")
    expect(families.get("webhook_events_pending")?.type).toBe("gauge")
    expect(families.get("meta_oauth_requests_total")?.type).toBe("counter")

    expect(sampleValue(families, "meta_oauth_requests_total", { endpoint: "start", status: "200" })).toBeGreaterThan(0)
    expect(
      sampleValue(families, "meta_oauth_requests_total", { endpoint: "callback", status: "302" })
    ).toBeGreaterThanOrEqual(2)
    expect(sampleValue(families, "meta_oauth_errors_total", { reason: "cancelled" })).toBeGreaterThanOrEqual(1)
    expect(sampleValue(families, "webhook_events_received_total", { result: "accepted" })).toBeGreaterThanOrEqual(1)
    expect(sampleValue(families, "webhook_events_received_total", { result: "invalid_signature" })).toBe(1)
    for (const endpoint of ["GET /oauth/access_token", "GET /debug_token", "GET /{waba-id}/phone_numbers"]) {
      expect(
        sampleValue(families, "meta_api_response_time_seconds_count", { endpoint }),
        endpoint
      ).toBeGreaterThanOrEqual(1)
    }
    const graphSeconds = sampleValue(families, "meta_api_response_time_seconds_sum", { endpoint: "GET /debug_token" })
    expect(graphSeconds).toBeGreaterThan(0)
    expect(graphSeconds).toBeLessThan(30)

    // The sandbox's long-lived tokens last about 60 days.
    const hours = sampleValue(families, "meta_token_expires_in_hours")
    expect(hours).toBeGreaterThan(24)
    expect(hours).toBeLessThanOrEqual(61 * 24)
    expect(sampleValue(families, "webhook_events_pending")).toBeGreaterThanOrEqual(0)
    expect(sampleValue(families, "webhook_processing_lag_seconds")).toBeGreaterThanOrEqual(0)

    // No label carries an id, a phone number or a token.
    const text = (await scrape()).text
    expect(text).not.toMatch(/EAA[A-Za-z0-9]{20,}/)
    expect(text).not.toContain(phoneNumberId!)
    for (const family of families.values())
      for (const sample of family.samples)
        for (const value of Object.values(sample.labels)) expect(value, sample.name).not.toMatch(/\d{8,}/)
  }, 90_000)
})
