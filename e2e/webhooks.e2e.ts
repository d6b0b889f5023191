import { createServer } from "node:http"
import type { Page } from "playwright-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const card = (page: Page) => page.getByRole("region", { name: "Webhook endpoints", exact: true })

describe("Webhook endpoints in a real browser", () => {
  // The tenant's backend on 127.0.0.1 (sandbox mode allows private targets): the first request fails.
  let requests = 0
  const receiver = createServer((request, response) => {
    request.resume()
    request.on("end", () => {
      requests++
      response.writeHead(requests === 1 ? 500 : 200, { "content-type": "text/plain" })
      response.end(requests === 1 ? "temporarily down" : "ok")
    })
  })
  let url = ""
  beforeAll(async () => {
    await new Promise<void>((done) => receiver.listen(0, "127.0.0.1", done))
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`
  })
  afterAll(() => new Promise<void>((done) => receiver.close(() => done())))

  it("an admin adds an endpoint (secret shown once), sends a test event and reads the delivery log", async () => {
    const { page, problems, screenshot } = await suite.open({ width: 1280, height: 1400 })
    await suite.signIn(page, "tenant-webhooks", "admin", "WhatsApp")
    const section = card(page)
    await section.getByText("No endpoint yet").waitFor()
    // This tenant never connected WhatsApp: the templates section says to connect first, with no Sync now or form.
    await page.getByText("Connect WhatsApp above to see, sync and create its templates.").waitFor()
    if ((await page.getByRole("button", { name: "Sync now" }).count()) !== 0) throw new Error("Sync now shown")
    if ((await page.getByRole("form", { name: "Create a template" }).count()) !== 0) throw new Error("form shown")
    await section.getByLabel("Endpoint URL").fill(url)
    await section.getByRole("button", { name: "Add endpoint" }).click()
    const secret = section.locator("code.secret")
    await secret.waitFor()
    expect(await secret.textContent()).toMatch(/^whsec_/)
    await section.getByText("shown once").waitFor()
    await section.getByRole("button", { name: "Copy" }).waitFor()
    await section.getByRole("button", { name: "Done" }).click()
    await section.locator("code.secret").waitFor({ state: "detached" })

    const endpoint = section.getByRole("listitem", { name: url })
    await endpoint.locator(".badge", { hasText: "Active" }).waitFor()
    // Twice: the first attempt fails (500), a second test event succeeds.
    await endpoint.getByRole("button", { name: "Send test event" }).click()
    const log = endpoint.getByRole("region", { name: "Delivery log" })
    await log.waitFor()
    await expect.poll(() => requests, { timeout: 15_000 }).toBeGreaterThanOrEqual(1)
    await endpoint.getByRole("button", { name: "Send test event" }).click()
    await expect.poll(() => requests, { timeout: 15_000 }).toBeGreaterThanOrEqual(2)
    await expect
      .poll(
        async () => {
          await log.getByRole("button", { name: "Refresh" }).click()
          return log.getByRole("cell", { name: "Delivered" }).count()
        },
        { timeout: 15_000 }
      )
      .toBeGreaterThanOrEqual(1)
    await log.locator("td strong", { hasText: "webhook.test" }).first().waitFor()
    await log.getByText("Pending: next attempt").or(log.getByText("HTTP 500")).first().waitFor()
    await log.getByRole("button", { name: "Retry now" }).first().waitFor()
    await log.getByLabel("Replay since").waitFor()
    await screenshot("webhooks-01-endpoint-and-delivery-log")

    // Filters: only delivered ones.
    await log.getByLabel("State").selectOption("DELIVERED")
    await expect.poll(() => log.getByRole("cell", { name: /^Pending/ }).count(), { timeout: 10_000 }).toBe(0)

    // Disable: the state says what to do next.
    await endpoint.getByRole("button", { name: "Disable" }).click()
    await endpoint.locator(".badge", { hasText: "Disabled" }).waitFor()
    await endpoint.getByText("Enable to receive events again").waitFor()
    await screenshot("webhooks-02-disabled")
    expect(problems).toEqual([])
  }, 90_000)
})
