import { describe, expect, it } from "vitest"
import { connectWhatsAppHere, sandboxControl } from "./support/api.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const sandbox = async (path: string, body: unknown) => (await sandboxControl(suite.stack().sandboxUrl, path, body)).body

describe("Media in a real browser", () => {
  it("an inbound image shows inline (after 'not yet available'), a location and a reaction as what they are", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-media", "member", "WhatsApp")
    const phoneNumberId = await connectWhatsAppHere(page, suite.stack().sandboxUrl)
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
