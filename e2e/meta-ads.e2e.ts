import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const signIn = (page: Page, tenant: string, role: "member" | "marketing" | "admin") =>
  suite.signIn(page, tenant, role, "Meta Ads")

const card = (page: Page) => page.getByRole("region", { name: "Meta Ads", exact: true })
const badge = (page: Page, text: string) => card(page).locator(".card-header .badge", { hasText: text })

const MANAGERS_ONLY = "Only admins and marketing can connect or disconnect Meta Ads."

describe("Meta Ads in a real browser", () => {
  it("marketing connects through the wizard (Meta, Business Manager, ad account, confirm), tests and disconnects", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-ads", "marketing")
    await badge(page, "Not connected").waitFor()
    // Step 1 says what Meta will ask.
    await card(page).getByRole("heading", { name: "Connect Meta Ads" }).waitFor()
    await card(page).getByText("ads_management").waitFor()
    await screenshot("ads-01-step1-not-connected")

    await card(page).getByRole("button", { name: "Connect Meta Ads" }).click()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    for (const scope of ["ads_management", "ads_read", "business_management"]) {
      expect(await page.locator(`#scope-${scope}`).isChecked()).toBe(true)
    }
    await screenshot("ads-02-meta-dialog")
    await page.locator("#approve").click()

    // Step 2: back on the page, with the two Business Managers the seed user has.
    const businesses = card(page).getByRole("group", { name: "Choose a Business Manager" })
    await businesses.waitFor()
    expect(new URL(page.url()).pathname).toBe("/settings/integrations")
    expect(new URL(page.url()).search).toBe("")
    await badge(page, "Action needed").waitFor()
    expect(await businesses.getByRole("radio").count()).toBe(2)
    await businesses.getByRole("radio", { name: /Sandbox Agency Client/ }).waitFor()
    await screenshot("ads-03-choose-business")
    await businesses.getByRole("radio", { name: /Sandbox Business/ }).check()
    const accounts = card(page).getByRole("group", { name: "Choose an ad account" })
    expect(await accounts.getByRole("radio").count()).toBe(2)
    await accounts.getByText("USD", { exact: true }).waitFor()
    await accounts.getByRole("radio", { name: /EUR/ }).check()
    await screenshot("ads-04-choose-account")
    await card(page).getByRole("button", { name: "Continue" }).click()

    // Step 3: the choice, then Confirm.
    await card(page).getByRole("heading", { name: "Confirm" }).waitFor()
    const summary = card(page).locator("dl")
    await summary.getByText("Sandbox Business").waitFor()
    await summary.getByText("Sandbox Ads (EUR)").waitFor()
    await summary.getByText("Sandbox User").waitFor()
    await screenshot("ads-05-confirm")
    await card(page).getByRole("button", { name: "Confirm" }).click()

    await card(page).getByText("Meta Ads is connected.").waitFor()
    await badge(page, "Connected").waitFor()
    const facts = card(page).locator("dl.facts")
    await facts.getByText("Sandbox Business").waitFor()
    await facts.getByText("Sandbox Ads (EUR)").waitFor()
    await facts.getByText("Sandbox User").waitFor()
    expect((await facts.textContent()) ?? "").toMatch(/act_\d+ · EUR/)
    await screenshot("ads-06-connected")

    await card(page).getByRole("button", { name: "Test connection" }).click()
    const tested = card(page).getByRole("status").filter({ hasText: "Connection OK." })
    await tested.waitFor()
    expect((await tested.textContent()) ?? "").toContain("of Sandbox User; 3 ad accounts")
    await screenshot("ads-07-test-ok")

    // A member of the same workspace sees the connection, but cannot disconnect.
    const other = await open()
    await signIn(other.page, "tenant-ads", "member")
    await badge(other.page, "Connected").waitFor()
    await card(other.page).locator("dl.facts").getByText("Sandbox Ads (EUR)").waitFor()
    await card(other.page).getByText(MANAGERS_ONLY).waitFor()
    expect(
      await card(other.page)
        .getByRole("button", { name: /Disconnect|Connect|Reconnect/ })
        .count()
    ).toBe(0)
    await other.screenshot("ads-08-member-connected")
    expect(other.problems).toEqual([])

    await card(page).getByRole("button", { name: "Disconnect" }).click()
    const confirm = page.getByRole("alertdialog", { name: "Disconnect Meta Ads?" })
    await confirm.waitFor()
    await screenshot("ads-09-disconnect-confirm", { fullPage: false })
    await confirm.getByRole("button", { name: "Disconnect" }).click()
    await badge(page, "Disconnected").waitFor()
    await card(page).getByRole("button", { name: "Connect again" }).waitFor()
    // The WhatsApp card is untouched.
    await page.getByRole("region", { name: "WhatsApp", exact: true }).getByText("Not connected").waitFor()
    await screenshot("ads-10-disconnected")
    expect(problems).toEqual([])
  })

  it("a member sees the status but no Connect button, with the reason", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-ads-member", "member")
    await badge(page, "Not connected").waitFor()
    await card(page).getByText(MANAGERS_ONLY).waitFor()
    expect(await card(page).getByRole("button").count()).toBe(0)
    await screenshot("ads-11-member-not-connected")
    expect(problems).toEqual([])
  })

  it("cancelling in Meta's dialog comes back with the cancel message and Try again", async () => {
    const { page, problems, screenshot } = await open({ width: 390, height: 844 })
    await signIn(page, "tenant-ads-cancel", "admin")
    await card(page).getByRole("button", { name: "Connect Meta Ads" }).click()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.locator("#cancel").click()
    const alert = card(page).getByRole("alert")
    await alert.getByText("Connection cancelled or failed. Try again.").waitFor()
    await alert.getByRole("button", { name: "Try again" }).waitFor()
    expect(new URL(page.url()).search).toBe("")
    await badge(page, "Not connected").waitFor()
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    expect(overflow).toBeLessThanOrEqual(0)
    await screenshot("ads-12-cancelled-phone")
    expect(problems).toEqual([])
  })
  it("an admin (operator) picks the agency's client account and reads the token details, never the token", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-ads-operator", "admin")
    await card(page).getByRole("button", { name: "Connect Meta Ads" }).click()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.locator("#approve").click()
    await card(page)
      .getByRole("radio", { name: /Sandbox Agency Client/ })
      .check()
    // Its only ad account is chosen at once.
    expect(
      await card(page)
        .getByRole("radio", { name: /Client Campaigns/ })
        .isChecked()
    ).toBe(true)
    await card(page).getByRole("button", { name: "Continue" }).click()
    await card(page).getByRole("button", { name: "Confirm" }).click()
    await badge(page, "Connected").waitFor()
    expect((await card(page).locator("dl.facts").textContent()) ?? "").toContain("GBP")

    await card(page).getByRole("button", { name: "Token details (operators)" }).click()
    const details = card(page).getByRole("region", { name: "Token details" })
    await details.getByText("ads_management, ads_read, business_management").waitFor()
    expect((await details.textContent()) ?? "").toContain("Yes")
    expect(await page.content()).not.toMatch(/EAA[A-Za-z0-9]{8,}|access_token/)
    await screenshot("ads-13-operator-token-details")
    expect(problems).toEqual([])
  })
})
