import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { sandboxControl, whatsAppCard } from "./support/api.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const card = whatsAppCard

/** A sandbox control call from the test (what Meta's side does without the page: seed a number, verify it). */
const control = (path: string, body: unknown = {}) =>
  sandboxControl(suite.stack().sandboxUrl, path, body).then((answer) => answer.body)

/** Connect WhatsApp, pick `phoneNumberId` in Meta's popup, approve. */
const connectPicking = async (page: Page, phoneNumberId: string) => {
  const opened = page.waitForEvent("popup")
  await page.getByRole("button", { name: "Connect WhatsApp" }).click()
  const popup = await opened
  await popup.locator("#oauth-form").waitFor()
  await popup.locator("#phone").selectOption(phoneNumberId)
  const closed = popup.waitForEvent("close")
  await popup.locator("#approve").click()
  await closed
}

describe("WhatsApp numbers that need a step before they register", () => {
  it("a number with a two-step PIN set before: the card asks for it, a wrong PIN says so, the right one connects", async () => {
    const { page, problems, screenshot } = await open()
    const seeded = await control("seed/phone-number", { verifiedName: "Two-Step Shop", pin: "246810" })
    await suite.signIn(page, "tenant-pin", "admin", "WhatsApp")
    await connectPicking(page, String(seeded["id"]))
    await card(page).getByText("This number already has a two-step verification PIN.").waitFor()
    await card(page).getByText("Action needed").waitFor()
    const field = card(page).getByLabel("Two-step verification PIN (6 digits)")
    await field.fill("135790")
    await screenshot("40-pin-required")
    await card(page).getByRole("button", { name: "Register number" }).click()
    await card(page).getByRole("alert").getByText("That PIN is not this number's two-step verification PIN").waitFor()
    expect(await field.inputValue()).toBe("")
    await screenshot("41-pin-mismatch")
    await field.fill("246810")
    await card(page).getByRole("button", { name: "Register number" }).click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(await card(page).locator("dd").getByText("Two-Step Shop").count()).toBe(1)
    await screenshot("42-pin-connected")
    expect(problems).toEqual([])
  })

  it("an unverified number: the card says to verify it in WhatsApp Manager; Check again connects once verified", async () => {
    const { page, problems, screenshot } = await open()
    const seeded = await control("seed/phone-number", { verifiedName: "Unverified Shop", verified: false })
    const id = String(seeded["id"])
    await suite.signIn(page, "tenant-unverified", "member", "WhatsApp")
    await connectPicking(page, id)
    await card(page).getByText("This phone number is not verified yet.").waitFor()
    await card(page).getByRole("button", { name: "Check again" }).click()
    await card(page).getByText("Meta still reports this number as not verified").waitFor()
    await screenshot("43-number-not-verified")
    await control(`numbers/${id}/verify`)
    await card(page).getByRole("button", { name: "Check again" }).click()
    await card(page).getByText("Connected", { exact: true }).waitFor()
    expect(await card(page).locator("dd").getByText("Unverified Shop").count()).toBe(1)
    await screenshot("44-verified-connected")
    expect(problems).toEqual([])
  })
})
