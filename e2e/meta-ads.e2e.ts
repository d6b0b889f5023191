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

    // Step 2: back on the page, with the seed user's two Business Managers and their own ad accounts.
    const businesses = card(page).getByRole("group", { name: "Choose a Business Manager" })
    await businesses.waitFor()
    expect(new URL(page.url()).pathname).toBe("/settings/integrations")
    expect(new URL(page.url()).search).toBe("")
    await badge(page, "Action needed").waitFor()
    expect(await businesses.getByRole("radio").count()).toBe(3)
    // The agency's 28 client accounts span two of Meta's pages: all of them are offered.
    await businesses.getByRole("radio", { name: /Sandbox Agency Client.*28 ad accounts/ }).waitFor()
    await businesses.getByRole("radio", { name: /Your own ad accounts.*not in a Business Manager/ }).waitFor()
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
    expect((await tested.textContent()) ?? "").toContain("of Sandbox User; 31 ad accounts")
    expect((await tested.textContent()) ?? "").toContain("Passed Selected ad account readable: Sandbox Ads (EUR)")
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
  it("a Business Manager whose ad accounts cannot be read: the wizard names it and why, the others are offered", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-ads-partial", "admin")
    const sandbox = suite.stack().sandboxUrl
    const state = (await (await fetch(`${sandbox}/_sandbox/state`)).json()) as {
      businesses: Array<{ id: string; name: string }>
    }
    const agency = state.businesses.find((b) => b.name === "Sandbox Agency Client")!
    const fault = { path: `${agency.id}/client_ad_accounts`, kind: "graphError", code: 200, times: 0 }
    await fetch(`${sandbox}/_sandbox/faults`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(fault)
    })
    try {
      await card(page).getByRole("button", { name: "Connect Meta Ads" }).click()
      await page.waitForURL((url) => url.href.startsWith(sandbox))
      await page.locator("#approve").click()
      const notice = card(page).getByRole("status").filter({ hasText: "could not be read" })
      await notice.waitFor()
      const text = (await notice.textContent()) ?? ""
      expect(text).toContain("One Business Manager could not be read.")
      expect(text).toContain("Sandbox Agency Client: Meta did not grant the permission ads_read.")
      const businesses = card(page).getByRole("group", { name: "Choose a Business Manager" })
      expect(await businesses.getByRole("radio").count()).toBe(2)
      expect(await businesses.getByRole("radio", { name: /Sandbox Agency Client/ }).count()).toBe(0)
      await badge(page, "Action needed").waitFor()
      await screenshot("ads-14-partially-failed-business")
      await businesses.getByRole("radio", { name: /Sandbox Business/ }).check()
      await card(page).getByRole("radio", { name: /USD/ }).check()
      await card(page).getByRole("button", { name: "Continue" }).click()
      await card(page).getByRole("button", { name: "Confirm" }).click()
      await badge(page, "Connected").waitFor()
      // Still said once connected, so someone can fix the access and reconnect.
      await card(page).getByRole("status").filter({ hasText: "could not be read" }).waitFor()
      await screenshot("ads-15-connected-with-unreadable-business")
    } finally {
      await fetch(`${sandbox}/_sandbox/faults`, { method: "DELETE" })
    }
    expect(problems).toEqual([])
  })

  it("an admin (operator) picks their own ad account and reads the token details, never the token", async () => {
    const { page, problems, screenshot } = await open()
    await signIn(page, "tenant-ads-operator", "admin")
    await card(page).getByRole("button", { name: "Connect Meta Ads" }).click()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.locator("#approve").click()
    await card(page)
      .getByRole("radio", { name: /Your own ad accounts/ })
      .check()
    // Its only ad account is chosen at once.
    expect(
      await card(page)
        .getByRole("radio", { name: /Sandbox User \(personal\)/ })
        .isChecked()
    ).toBe(true)
    await card(page).getByRole("button", { name: "Continue" }).click()
    await card(page).getByRole("button", { name: "Confirm" }).click()
    await badge(page, "Connected").waitFor()
    expect((await card(page).locator("dl.facts").textContent()) ?? "").toContain("Sandbox User (personal)")

    await card(page).getByRole("button", { name: "Token details (operators)" }).click()
    const details = card(page).getByRole("region", { name: "Token details" })
    await details.getByText("ads_management, ads_read, business_management").waitFor()
    expect((await details.textContent()) ?? "").toContain("Yes")
    expect(await page.content()).not.toMatch(/EAA[A-Za-z0-9]{8,}|access_token/)
    await screenshot("ads-13-operator-token-details")
    expect(problems).toEqual([])
  })
})
