import { resolve } from "node:path"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { pageGraphql, sandboxControl, whatsAppCard } from "./support/api.ts"
import { screenshotDir } from "./support/browser.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const card = whatsAppCard

/** The connection as the page's own session reads it. */
const connectionOf = async (page: Page) =>
  (
    await pageGraphql<{
      data: { whatsappConnection: { id: string; status: string; wabaId: string; phoneNumberId: string } }
    }>(page, "{ whatsappConnection { id status wabaId phoneNumberId } }")
  ).data.whatsappConnection

const sandbox = (path: string, body: unknown) =>
  sandboxControl(suite.stack().sandboxUrl, path, body).then((answer) => answer.body)

/**
 * A popup-blocked start: window.open answers null, the card offers "Continue in this window", which goes to Meta's
 * dialog in this tab (the redirect flow).
 */
const connectInThisWindow = async (page: Page) => {
  await page.evaluate(() => {
    window.open = () => null
  })
  await card(page)
    .getByRole("button", { name: /Connect WhatsApp|Try again|Reconnect/ })
    .first()
    .click()
  await card(page).getByRole("button", { name: "Continue in this window" }).click()
  await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
}

const ONE_FORMAT = /^\+1 555 \d{3} \d{4}$/

describe("WhatsApp connect flows that survive real browsers, and the card in each state", () => {
  it("two tabs that both start and both approve each end in a clear outcome; the later one updates the same row", async () => {
    const { page: tabA, context, problems, screenshot } = await open()
    await suite.signIn(tabA, "tenant-two-tabs", "member", "WhatsApp")
    // A new tab stays signed in (the session is kept for the whole browser).
    const tabB = await context.newPage()
    await tabB.goto(`${suite.stack().url}/settings/integrations`)
    await card(tabB).getByText("Not connected").waitFor()

    await connectInThisWindow(tabA)
    await connectInThisWindow(tabB)
    // Tab A approves a new WhatsApp Business Account: connected.
    await tabA.locator("#waba-new").check()
    await tabA.locator("#approve").click()
    await card(tabA).getByText("WhatsApp is connected.").waitFor()
    await card(tabA).getByText("Connected", { exact: true }).waitFor()
    expect(await card(tabA).getByRole("alert").count()).toBe(0)
    const first = await connectionOf(tabA)

    // Tab B (started before A finished, with its own binding) picks the same account and number: connected too.
    await tabB.reload()
    await tabB.locator(`#waba-${first.wabaId}`).check()
    await tabB.locator("#phone").selectOption(first.phoneNumberId)
    await tabB.locator("#approve").click()
    await card(tabB).getByText("WhatsApp is connected.").waitFor()
    await card(tabB).getByText("Connected", { exact: true }).waitFor()
    expect(await card(tabB).getByRole("alert").count()).toBe(0)
    expect(await connectionOf(tabB)).toEqual({ ...first, status: "ACTIVE" })
    expect((await card(tabB).locator("dd.number").textContent()) ?? "").toMatch(ONE_FORMAT)
    await tabB.screenshot({ path: resolve(screenshotDir, "30-second-tab-connected.png"), fullPage: true })
    await screenshot("31-first-tab-connected")
    expect(problems).toEqual([])
  })

  it("Back after a successful connect shows the card connected, with no stale error", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-back", "member", "WhatsApp")
    await connectInThisWindow(page)
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await card(page).getByText("Connected", { exact: true }).waitFor()

    // Back: Meta's dialog again; approving it once more replays a spent login (state_used).
    await page.goBack()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await page.waitForURL((url) => url.pathname === "/settings/integrations")
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(await card(page).getByRole("alert").count()).toBe(0)
    expect(
      await card(page)
        .getByText(/already used/)
        .count()
    ).toBe(0)
    await screenshot("32-back-approve-again-still-connected")

    // Back twice more: the page as it was before connecting, now showing the connection.
    await page.goBack()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.goBack()
    await page.waitForURL((url) => url.pathname === "/settings/integrations")
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(await card(page).getByRole("alert").count()).toBe(0)
    await screenshot("33-back-twice-connected")
    expect(problems).toEqual([])
  })

  it("never connected, the last attempt failed: Not connected with that error and one Try again", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-last-attempt", "member", "WhatsApp")
    // A configuration's permissions cannot be unticked in the dialog (as on Meta): an operator edited the
    // configuration and dropped messaging.
    await sandbox("app/configuration", {
      which: "whatsapp",
      permissions: ["whatsapp_business_management", "business_management"]
    })
    try {
      await connectInThisWindow(page)
      await page.locator("#waba-new").check()
      await page.locator("#approve").click()
      await card(page)
        .getByRole("alert")
        .getByText(/Not every permission/)
        .waitFor()
    } finally {
      await sandbox("app/configuration", {
        which: "whatsapp",
        permissions: ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]
      })
    }
    expect(await card(page).getByRole("button", { name: "Try again" }).count()).toBe(1)
    await screenshot("34-missing-permission-returned")
    // Later (a reload): the workspace still never connected; the card says so, with the last attempt's error.
    await page.reload()
    await card(page).getByText("Not connected").waitFor()
    expect(await card(page).getByText("Error", { exact: true }).count()).toBe(0)
    await card(page)
      .getByRole("alert")
      .getByText(/The last attempt failed/)
      .waitFor()
    expect(await card(page).getByRole("button", { name: "Try again" }).count()).toBe(1)
    expect(await card(page).getByRole("button", { name: "Connect WhatsApp" }).count()).toBe(0)
    await screenshot("35-never-connected-last-attempt")
    expect(problems).toEqual([])
  })

  it("the picker marks a number another workspace holds before the person picks", async () => {
    const holder = await open()
    await suite.signIn(holder.page, "tenant-holder", "member", "WhatsApp")
    await connectInThisWindow(holder.page)
    // The seed WABA (checked by default) has two numbers: the holder takes the first.
    await holder.page.locator("#approve").click()
    await card(holder.page).getByText("Action needed").waitFor()
    await card(holder.page).getByRole("radio").first().check()
    await card(holder.page).getByRole("button", { name: "Use this number" }).click()
    await card(holder.page).getByText("Connected", { exact: true }).waitFor()

    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-second-workspace", "member", "WhatsApp")
    await connectInThisWindow(page)
    await page.locator("#approve").click()
    await card(page).getByText("Action needed").waitFor()
    const radios = card(page).getByRole("radio")
    expect(await radios.count()).toBe(2)
    expect(await radios.first().isDisabled()).toBe(true)
    expect(await radios.nth(1).isDisabled()).toBe(false)
    await card(page)
      .getByText(/Connected to another workspace/)
      .waitFor()
    for (const label of await card(page).locator(".choice .number").allTextContents()) expect(label).toMatch(ONE_FORMAT)
    await screenshot("36-picker-number-held-elsewhere")
    await radios.nth(1).check()
    await card(page).getByRole("button", { name: "Use this number" }).click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(problems).toEqual([])
    expect(holder.problems).toEqual([])
  })

  it("error: the number and display name stay, with Reconnect and Disconnect", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-broken", "member", "WhatsApp")
    await connectInThisWindow(page)
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    const { phoneNumberId } = await connectionOf(page)
    const number = (await card(page).locator("dd.number").textContent()) ?? ""
    // A customer writes; Meta then stops accepting the token; the reply finds out.
    await sandbox("inbound", { phoneNumberId, from: "15557654321", name: "Grace", text: "Are you there?" })
    await page.getByRole("log").getByText("Are you there?").waitFor({ timeout: 15_000 })
    await sandbox("revoke-token", { phoneNumberId })
    await page.getByLabel("Message", { exact: true }).fill("Yes!")
    await page.getByLabel("Message", { exact: true }).press("Enter")
    await page.getByRole("alert").first().waitFor({ timeout: 15_000 })
    await page.reload()
    await card(page).getByText("Error", { exact: true }).waitFor()
    expect(await card(page).locator("dd.number").textContent()).toBe(number)
    expect(number).toMatch(ONE_FORMAT)
    await card(page).getByRole("button", { name: "Reconnect" }).waitFor()
    await card(page).getByRole("button", { name: "Disconnect" }).waitFor()
    await screenshot("37-error-keeps-number")
    await card(page).getByRole("button", { name: "Disconnect" }).click()
    await page
      .getByRole("alertdialog", { name: "Disconnect WhatsApp?" })
      .getByRole("button", { name: "Disconnect" })
      .click()
    await card(page).getByText("Disconnected", { exact: true }).waitFor()
    expect(problems).toEqual([])
  })
  it("health panel: checked right after connecting; the app unsubscribed, Check now shows the failing check in words", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-health", "member", "WhatsApp")
    await connectInThisWindow(page)
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    // The checks ran after the connect, without a Check now: the card shows them on a later poll.
    const checkedAt = card(page).getByRole("region", { name: "Connection health" }).locator("time")
    await checkedAt.waitFor({ timeout: 25_000 })
    const first = await checkedAt.getAttribute("datetime")
    expect(first).toBeTruthy()

    const { wabaId } = await connectionOf(page)
    await sandbox(`wabas/${wabaId}/subscribed-apps`, { subscribed: false })
    await card(page).getByRole("button", { name: "Check now" }).click()
    await card(page).getByText("Webhook subscription of the WhatsApp Business Account: failing.").waitFor()
    await card(page)
      .getByText(/This app is not subscribed to the WhatsApp Business Account/)
      .waitFor()
    await expect.poll(() => checkedAt.getAttribute("datetime")).not.toBe(first)
    expect(Date.parse((await checkedAt.getAttribute("datetime"))!)).toBeGreaterThan(Date.parse(first!))
    await card(page).getByText("Not working", { exact: true }).waitFor()
    await screenshot("39-health-panel-subscription-failing")
    await sandbox(`wabas/${wabaId}/subscribed-apps`, { subscribed: true })

    // The canary: a bad number is refused in words; a good one is accepted and the Test message check says so.
    const form = card(page).getByRole("form", { name: "Send a test message" })
    await form.getByLabel(/Send a test message to my phone/).fill("12")
    await form.getByRole("button", { name: "Send test message" }).click()
    await form.getByText(/with its country code, for example/).waitFor()
    await form.getByLabel(/Send a test message to my phone/).fill("+1 555 765 4321")
    await form.getByRole("button", { name: "Send test message" }).click()
    await form.getByText("Meta accepted the test message to +15557654321", { exact: false }).waitFor()
    await screenshot("40-health-panel-test-message-accepted")
    expect(problems).toEqual([])
  }, 90_000)
  // Last: it adds a number to the seed WABA, which the tests above count.
  it("display name declined: the review state in words, the number kept, Reconnect", async () => {
    const seeded = await sandbox("seed/phone-number", { verifiedName: "Declined Name Co", nameStatus: "DECLINED" })
    expect(seeded["id"]).toBeTruthy()
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-name-review", "member", "WhatsApp")
    await connectInThisWindow(page)
    await page.locator("#approve").click()
    await card(page).getByText("Action needed").waitFor()
    await card(page)
      .getByRole("radio", { name: /Declined Name Co/ })
      .check()
    await card(page).getByRole("button", { name: "Use this number" }).click()
    await card(page).getByText("Display name: declined by Meta.").waitFor()
    await card(page)
      .getByText(/Change it in WhatsApp Manager/)
      .waitFor()
    expect((await card(page).locator("dd.number").textContent()) ?? "").toMatch(ONE_FORMAT)
    await card(page).locator("dd").getByText("Declined Name Co").waitFor()
    await card(page).getByRole("button", { name: "Reconnect" }).waitFor()
    await screenshot("38-display-name-declined")
    expect(problems).toEqual([])
  })
})
