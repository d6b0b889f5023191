import { describe, expect, it } from "vitest"
import { connectWhatsAppHere, pageGraphql, sandboxControl } from "./support/api.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const graphql = pageGraphql
const sandbox = async (path: string, body: unknown) => (await sandboxControl(suite.stack().sandboxUrl, path, body)).body

describe("Message templates in a real browser", () => {
  it("create a template, Meta approves it, it shows Approved, and it goes from the picker where the window is closed", async () => {
    const { page, problems, screenshot } = await open()
    await suite.signIn(page, "tenant-templates", "admin", "WhatsApp")
    await connectWhatsAppHere(page, suite.stack().sandboxUrl)

    const templates = page.getByRole("region", { name: "Message templates" })
    await templates.getByRole("button", { name: "Sync now" }).click()
    await templates.getByText("Synced with Meta.").waitFor()
    await templates.getByTestId("template-row").filter({ hasText: "hello_world" }).getByText("Approved").waitFor()

    const create = templates.getByRole("form", { name: "Create a template" })
    await create.getByLabel(/^Name/).fill("order_ready")
    await create.getByLabel(/^Body text/).fill("Hi {{1}}, your order {{2}} is ready.")
    await create.getByLabel("Example for {{1}}").fill("Ana")
    await create.getByLabel("Example for {{2}}").fill("A-17")
    await create.getByRole("button", { name: "Submit for review" }).click()
    const row = templates.getByTestId("template-row").filter({ hasText: "order_ready" })
    await row.getByText(/^In review/).waitFor()

    // Meta's review: the sandbox approves it and sends message_template_status_update.
    const connection = await graphql(page, "{ whatsappConnection { phoneNumberId wabaId } }")
    const { phoneNumberId, wabaId } = connection.data!["whatsappConnection"] as {
      phoneNumberId: string
      wabaId: string
    }
    await sandbox("templates/review", { wabaId, name: "order_ready", language: "en_US", status: "APPROVED" })
    await sandbox("templates/review", { wabaId, name: "hello_world", language: "en_US", status: "REJECTED" })
    // The service applies the webhook; the page shows it on its next read (Sync now re-reads the list too).
    const statusOf = async (name: string) => {
      const data = await graphql(page, "{ whatsappTemplates { name status } }")
      const list = (data.data?.["whatsappTemplates"] ?? []) as unknown as Array<{ name: string; status: string }>
      return list.find((t) => t.name === name)?.status
    }
    await expect.poll(() => statusOf("order_ready"), { timeout: 15_000 }).toBe("APPROVED")
    await expect.poll(() => statusOf("hello_world"), { timeout: 15_000 }).toBe("REJECTED")
    await templates.getByRole("button", { name: "Sync now" }).click()
    await row.getByText("Approved").waitFor()
    await templates
      .getByTestId("template-row")
      .filter({ hasText: "hello_world" })
      .getByText("Rejected: invalid format")
      .waitFor()
    await templates.scrollIntoViewIfNeeded()
    await screenshot("templates-01-list")

    // A contact who last wrote 25 hours ago: the window is closed.
    await sandbox("clock", { advanceSeconds: -25 * 3600 })
    await sandbox("inbound", { phoneNumberId, from: "15557654111", name: "Ada Lovelace", text: "Is my order ready?" })
    await sandbox("clock", { advanceSeconds: 25 * 3600 })
    const nav = page.getByRole("navigation", { name: "Conversations" })
    await nav.getByText("Ada Lovelace").click({ timeout: 15_000 })
    await page
      .getByTestId("composer-reason")
      .getByText(/The 24-hour window closed/)
      .waitFor()
    await page.getByRole("button", { name: "Send a template" }).click()
    const picker = page.getByRole("form", { name: "Send a template" })
    await picker.getByLabel("Template").selectOption("order_ready/en_US")
    await picker.getByLabel("Body {{1}}").fill("Ada")
    await picker.getByLabel("Body {{2}}").fill("A-17")
    await picker.getByTestId("template-preview").getByText("Hi Ada, your order A-17 is ready.").waitFor()
    await screenshot("templates-02-window-notice-and-picker")
    await picker.getByRole("button", { name: "Send template" }).click()
    await page.getByRole("log").getByText("Hi Ada, your order A-17 is ready.").waitFor({ timeout: 15_000 })
    await screenshot("templates-03-sent")
    expect(problems).toEqual([])
  })
})
