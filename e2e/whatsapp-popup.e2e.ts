import { resolve } from "node:path"
import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { pageGraphql, whatsAppCard } from "./support/api.ts"
import { screenshotDir } from "./support/browser.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const card = whatsAppCard

const phoneNumberId = async (page: Page) =>
  (
    await pageGraphql<{ data?: { whatsappConnection?: { phoneNumberId?: string } } }>(
      page,
      "{ whatsappConnection { phoneNumberId } }"
    )
  ).data?.whatsappConnection?.phoneNumberId ?? null

describe("WhatsApp through Meta's JS SDK popup (Embedded Signup v4)", () => {
  it("Connect WhatsApp opens the popup; picking the second number ends Connected with it, no second picker", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-popup", "member", "WhatsApp")
    await card(page).getByText("Not connected").waitFor()
    const opened = page.waitForEvent("popup")
    await page.getByRole("button", { name: "Connect WhatsApp" }).click()
    const popup = await opened
    await popup.locator("#oauth-form").waitFor()
    expect(popup.url()).toContain("display=popup")
    expect(popup.url()).not.toContain("redirect_uri")
    expect(new URL(popup.url()).searchParams.has("scope")).toBe(false)
    await screenshot("20-popup-waiting")
    // The seed WABA (checked by default) has two numbers: pick the second one.
    const second = (await popup.locator("#phone option").nth(1).getAttribute("value")) ?? ""
    await popup.locator("#phone").selectOption(second)
    await popup.screenshot({ path: resolve(screenshotDir, "21-popup-dialog.png"), fullPage: true })
    const closed = popup.waitForEvent("close")
    await popup.locator("#approve").click()
    await closed
    await card(page).getByText("WhatsApp is connected.").waitFor()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(await card(page).getByRole("radio").count()).toBe(0)
    expect(await card(page).getByRole("button", { name: "Use this number" }).count()).toBe(0)
    expect(await card(page).locator("dd").getByText("Sandbox Support").count()).toBe(1)
    expect(await phoneNumberId(page)).toBe(second)
    await screenshot("22-popup-connected")
    expect(problems).toEqual([])
  })

  it("closing the popup early shows the cancel message", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-popup-cancel", "member", "WhatsApp")
    const opened = page.waitForEvent("popup")
    await page.getByRole("button", { name: "Connect WhatsApp" }).click()
    const popup = await opened
    await popup.locator("#oauth-form").waitFor()
    await popup.close()
    await card(page).getByRole("alert").getByText("You cancelled the connection.").waitFor()
    await card(page).getByText("Not connected").waitFor()
    await screenshot("23-popup-cancelled")
    expect(problems).toEqual([])
  })
})
