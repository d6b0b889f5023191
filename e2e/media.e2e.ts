import { describe, expect, it } from "vitest"
import { pageGraphql, sandboxControl, whatsAppCard } from "./support/requests.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const graphql = pageGraphql

const sandbox = (path: string, body: unknown) => sandboxControl(suite.stack().sandboxUrl, path, body)

const card = whatsAppCard

describe("Media in a real browser", () => {
  it("an inbound image shows inline (after 'not yet available'), a location and a reaction as what they are", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-media", "member", "WhatsApp")
    await page.evaluate(() => {
      window.open = () => null
    })
    await page.getByRole("button", { name: "Connect WhatsApp" }).click()
    await card(page).getByRole("button", { name: "Continue in this window" }).click()
    await page.waitForURL((url) => url.href.startsWith(suite.stack().sandboxUrl))
    await page.locator("#waba-new").check()
    await page.locator("#approve").click()
    await page.getByText("WhatsApp is connected.").waitFor()

    const connection = await graphql(page, "{ whatsappConnection { phoneNumberId } }")
    const phoneNumberId = String(connection.data?.["whatsappConnection"]?.["phoneNumberId"])
    const from = { phoneNumberId, from: "15557654000", name: "Grace Hopper" }
    // The first download fails: the message shows at once, its image once the retry fetched it.
    await sandbox("media/fail-next", { count: 1 })
    const image = await sandbox("inbound", { ...from, type: "image", media: { caption: "The broken part" } })
    const log = page.getByRole("log")
    await log.getByText("The broken part").waitFor({ timeout: 15_000 })
    const img = log.getByRole("img", { name: "The broken part" })
    await img.waitFor({ timeout: 20_000 })
    expect(await img.evaluate((element) => (element as HTMLImageElement).naturalWidth)).toBe(96)

    await sandbox("inbound", { ...from, type: "location", text: "Our shop" })
    await sandbox("inbound", {
      ...from,
      message: { type: "reaction", reaction: { message_id: image["wamid"], emoji: "👍" } }
    })
    await log.getByText(/location message/).waitFor({ timeout: 15_000 })
    await log.locator(".message-reaction").getByText("👍").waitFor({ timeout: 15_000 })
    // The reaction is on the image, not a bubble of its own.
    expect(await log.locator(".message").count()).toBe(2)
    await screenshot("media-01-image-location-reaction")
    expect(problems).toEqual([])
  })
})
