import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { pageGraphql, sandboxControl } from "./support/api.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const signIn = (
  page: Page,
  tenant: string,
  role: "member" | "marketing" | "admin",
  screenshot?: (name: string) => Promise<void>
) => suite.signIn(page, tenant, role, "WhatsApp", screenshot)

const graphql = pageGraphql
const sandbox = async (path: string, body: unknown) => (await sandboxControl(suite.stack().sandboxUrl, path, body)).body

const card = (page: Page) => page.getByRole("region", { name: "WhatsApp", exact: true })

/**
 * The redirect fallback: with popups blocked (window.open answers null), the card offers "Continue in this window",
 * which goes to Meta's dialog in this tab.
 */
const connectInThisWindow = async (page: Page, start: () => Promise<void>) => {
  await page.evaluate(() => {
    window.open = () => null
  })
  await start()
  await card(page).getByRole("button", { name: "Continue in this window" }).click()
  await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
}

describe("WhatsApp in a real browser", () => {
  it("a member of tenant A connects, receives a message, replies, and disconnects", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-a", "member", screenshot)
    expect(new URL(page.url()).pathname).toBe("/settings/integrations")
    await page.getByRole("note").getByText("Sandbox").waitFor()
    await card(page).getByText("Not connected").waitFor()
    await page.getByText(/No conversations yet/).waitFor()
    // A member never sees the manual-connect inputs.
    expect(await page.getByRole("button", { name: /Manual Connect/ }).count()).toBe(0)
    expect(await page.getByLabel(/Access token/).count()).toBe(0)
    await screenshot("01-member-not-connected")

    await connectInThisWindow(page, () => page.getByRole("button", { name: "Connect WhatsApp" }).click())
    await page.locator("#waba-new").check()
    await screenshot("02-sandbox-dialog")
    await page.locator("#approve").click()

    await page.getByText("WhatsApp is connected.").waitFor()
    expect(new URL(page.url()).pathname).toBe("/settings/integrations")
    expect(new URL(page.url()).search).toBe("")
    await card(page).getByText("Connected", { exact: true }).waitFor()
    const number = (await card(page).locator("dd.number").textContent()) ?? ""
    expect(number).toMatch(/^\+1 555 \d{3} \d{4}$/)
    await screenshot("03-connected")

    const connection = await graphql(page, "{ whatsappConnection { phoneNumberId } }")
    const phoneNumberId = String(connection.data?.["whatsappConnection"]?.["phoneNumberId"])
    const inbound = await sandbox("inbound", {
      phoneNumberId,
      from: "15557654321",
      name: "Ada Lovelace",
      text: "Hello from the browser test"
    })
    expect(inbound["deliveryStatus"]).toBe(200)
    const log = page.getByRole("log")
    await log.getByText("Hello from the browser test").waitFor({ timeout: 15_000 })
    await page
      .getByRole("navigation", { name: "Conversations" })
      .getByText(/Ada Lovelace|\+1 555 765 4321/)
      .waitFor()
    await screenshot("04-inbound-message")

    await page.getByLabel("Message", { exact: true }).fill("Thanks, Ada!")
    await page.getByLabel("Message", { exact: true }).press("Enter")
    await log.getByText("Thanks, Ada!").waitFor({ timeout: 15_000 })
    await log
      .locator(".message.outbound")
      .getByText(/Delivered|Read/)
      .waitFor({ timeout: 15_000 })
    await screenshot("05-reply-sent")
    await page
      .getByTestId("window-notice")
      .getByText(/^You can reply until /)
      .waitFor()
    await screenshot("05a-window-open")

    // A contact whose last message is 25 hours old (Meta's timestamp): the window closed, free text is off.
    const old = await sandbox("inbound", {
      phoneNumberId,
      from: "15550001111",
      name: "Grace Hopper",
      message: {
        type: "text",
        text: { body: "Are you open tomorrow?" },
        timestamp: String(Math.floor(Date.now() / 1000) - 25 * 3600)
      }
    })
    expect(old["deliveryStatus"]).toBe(200)
    const grace = page.getByRole("navigation", { name: "Conversations" }).getByText(/Grace Hopper/)
    await grace.waitFor({ timeout: 15_000 })
    await grace.click()
    await page
      .getByTestId("composer-reason")
      .getByText(/^The 24-hour window closed at /)
      .waitFor({ timeout: 15_000 })
    expect(await page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true)
    await screenshot("05b-window-closed")
    await page
      .getByRole("navigation", { name: "Conversations" })
      .getByText(/Ada Lovelace/)
      .click()

    await card(page).getByRole("button", { name: "Disconnect" }).click()
    const confirm = page.getByRole("alertdialog", { name: "Disconnect WhatsApp?" })
    await confirm.waitFor()
    await screenshot("06-disconnect-confirm", { fullPage: false })
    await confirm.getByRole("button", { name: "Disconnect" }).click()
    await card(page).getByText("Disconnected", { exact: true }).waitFor()
    await page.getByRole("button", { name: "Connect WhatsApp" }).waitFor()
    const disabled = page.getByLabel("Message", { exact: true })
    expect(await disabled.isDisabled()).toBe(true)
    await page.getByText("Connect WhatsApp above to send messages.").waitFor()
    // The history is kept.
    await log.getByText("Hello from the browser test").waitFor()
    await screenshot("07-disconnected")
    expect(problems).toEqual([])
  })

  it("live: a status and a disconnect reach the page without reload or polling (the subscription)", async () => {
    const { page, problems, screenshot } = await open({ width: 1280, height: 1400 })
    await signIn(page, "tenant-live", "member")
    await connectInThisWindow(page, () => page.getByRole("button", { name: "Connect WhatsApp" }).click())
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    const connection = await graphql(page, "{ whatsappConnection { phoneNumberId } }")
    const phoneNumberId = String(connection.data?.["whatsappConnection"]?.["phoneNumberId"])
    expect(
      (await sandbox("inbound", { phoneNumberId, from: "15557650000", name: "Live Lin", text: "Hi" }))["deliveryStatus"]
    ).toBe(200)
    const log = page.getByRole("log")
    await log.getByText("Hi", { exact: true }).waitFor({ timeout: 15_000 })
    const conversations = page.getByRole("region", { name: "Conversations" })
    await conversations.getByText(/updated as they arrive/).waitFor({ timeout: 15_000 })
    await page.getByText("Live: changes appear as they happen.").waitFor({ timeout: 15_000 })

    // Every GraphQL query the page sends from here on, by operation name.
    const queries: Array<string> = []
    page.on("request", (request) => {
      if (!request.url().endsWith("/graphql") || request.headers()["accept"] === "text/event-stream") return
      const body = request.postData()
      if (body !== null) queries.push(String((JSON.parse(body) as { query: string }).query.match(/^\w+ (\w+)/)?.[1]))
    })

    // The sandbox holds delivered/read back: the reply stays Sent until they are released.
    await sandbox("config", { holdStatuses: true })
    await page.getByLabel("Message", { exact: true }).fill("Your order is on its way")
    await page.getByLabel("Message", { exact: true }).press("Enter")
    const reply = log.locator(".message.outbound", { hasText: "Your order is on its way" })
    await reply.getByText("Sent", { exact: true }).waitFor({ timeout: 15_000 })
    await screenshot("live-01-sent")

    // The sandbox's `sent` status is not held: its event may refetch the thread and the list once. Wait until the
    // page has sent nothing for 1.5 s (a 3 s poll would never let this settle, failing on the test's timeout).
    for (let seen = -1; seen !== queries.length; ) {
      seen = queries.length
      await page.waitForTimeout(1_500)
    }
    // Quiet for longer than the 3 s poll: while the stream is live and nothing happens, the page fetches nothing.
    queries.length = 0
    await page.waitForTimeout(4_000)
    expect(queries).toEqual([])

    expect((await sandbox("statuses/release", {}))["released"]).toBe(2)
    await reply.getByText("Read", { exact: true }).waitFor({ timeout: 2_500 })
    // What moved it: refetches after the events (the thread and the list), not a poll.
    expect(queries.every((name) => name === "ConversationMessages" || name === "Conversations")).toBe(true)
    expect(queries.length).toBeGreaterThan(0)
    await screenshot("live-02-read-without-reload")

    // Another tab of the same person disconnects: this page shows it without reload (its poll is 15 s).
    const other = await page.context().newPage()
    await other.goto(page.url())
    await other.getByRole("heading", { name: "Integrations" }).waitFor()
    const disconnected = await graphql(other, "mutation { disconnectWhatsApp { status } }")
    expect(disconnected.data?.["disconnectWhatsApp"]?.["status"]).toBe("REVOKED")
    await other.close()
    await card(page).getByText("Disconnected", { exact: true }).waitFor({ timeout: 5_000 })
    await screenshot("live-03-disconnected-in-another-tab")
    await sandbox("config", { holdStatuses: false })
    expect(problems).toEqual([])
  }, 90_000)

  it("cancelling in Meta's dialog comes back with the cancel message and a way to try again", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-cancel", "member")
    // Keyboard only: focus the button and press Enter.
    await connectInThisWindow(page, async () => {
      await page.getByRole("button", { name: "Connect WhatsApp" }).focus()
      await page.keyboard.press("Enter")
    })
    await page.locator("#cancel").click()
    const alert = card(page).getByRole("alert")
    await alert.getByText("You cancelled the connection.").waitFor()
    await alert.getByRole("button", { name: "Try again" }).waitFor()
    expect(new URL(page.url()).search).toBe("")
    await card(page).getByText("Not connected").waitFor()
    await screenshot("08-cancelled")
    expect(problems).toEqual([])
  })

  it("several numbers granted: pending, choose one, Use this number, connected", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-pending", "marketing")
    expect(await page.getByRole("button", { name: /Manual Connect/ }).count()).toBe(0)
    await connectInThisWindow(page, () => page.getByRole("button", { name: "Connect WhatsApp" }).click())
    // The seed WABA (checked by default) has two numbers.
    await page.locator("#approve").click()
    await card(page).getByText("Action needed").waitFor()
    expect(new URL(page.url()).search).toBe("")
    const radios = card(page).getByRole("radio")
    expect(await radios.count()).toBe(2)
    await screenshot("11-pending-choose-number")
    await radios.nth(1).check()
    await page.getByRole("button", { name: "Use this number" }).click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect((await card(page).locator("dd.number").textContent()) ?? "").toMatch(/^\+1 555 \d{3} \d{4}$/)
    await screenshot("12-pending-chosen-connected")
    expect(problems).toEqual([])
  })

  it("an admin sees Manual Connect and its inputs; the page fits a phone-width screen", async () => {
    const { page, problems, screenshot } = await open({ width: 390, height: 844 })
    await signIn(page, "tenant-a", "admin")
    await page.getByText(/as Admin/).waitFor()
    await page.getByRole("button", { name: "Manual Connect (Admin only)" }).click()
    const dialog = page.getByRole("dialog", { name: "Manual Connect (Admin only)" })
    await dialog.waitFor()
    for (const label of ["WhatsApp Business Account id", "Phone number id", "Access token"]) {
      expect(await dialog.getByLabel(label).isVisible()).toBe(true)
    }
    // Focus is inside the dialog; Escape closes it and gives focus back.
    expect(await page.evaluate(() => document.activeElement?.getAttribute("name"))).toBe("wabaId")
    await screenshot("09-admin-manual-connect-phone", { fullPage: false })
    await page.keyboard.press("Escape")
    await dialog.waitFor({ state: "detached" })
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Manual Connect (Admin only)")
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await screenshot("10-admin-phone")

    await page.getByRole("button", { name: "Sign out" }).click()
    await page.getByRole("heading", { name: "Sign in to the sandbox" }).waitFor()
    expect(problems).toEqual([])
  })
})
