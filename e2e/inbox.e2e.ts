import type { Page } from "playwright-core"
import { describe, expect, it } from "vitest"
import { connectWhatsAppHere, pageGraphql, sandboxControl } from "./support/api.ts"
import { browserSuite } from "./support/suite.ts"

const suite = browserSuite()
const { open } = suite

const CONVERSATIONS = 120

const graphql = pageGraphql

const sandbox = async (path: string, body: unknown) => {
  const answer = await sandboxControl(suite.stack().sandboxUrl, path, body)
  expect(answer.status).toBe(200)
  return answer.body
}

/** How many conversations the service lists for the signed-in tenant (every page). */
const countConversations = async (page: Page): Promise<number> => {
  let after: string | null = null
  let count = 0
  for (;;) {
    const result = await graphql(
      page,
      `{ conversations(first: 100${after === null ? "" : `, after: "${after}"`}) { edges { cursor } pageInfo { hasNextPage endCursor } } }`
    )
    const connection = result.data?.["conversations"] as
      | { edges: Array<unknown>; pageInfo: { hasNextPage: boolean; endCursor: string | null } }
      | undefined
    if (connection === undefined) return count
    count += connection.edges.length
    if (!connection.pageInfo.hasNextPage) return count
    after = connection.pageInfo.endCursor
  }
}

const customer = (i: number) => ({ from: `1555700${String(i).padStart(4, "0")}`, name: `Customer ${i}` })

describe("The inbox in a real browser", () => {
  it("120 conversations: Load more until all are listed, search by number, New conversation", async () => {
    const { page, problems, screenshot } = await open({ width: 1280, height: 900 })
    await suite.signIn(page, "tenant-inbox", "member", "WhatsApp")
    const phoneNumberId = await connectWhatsAppHere(page, suite.stack().sandboxUrl)

    // 120 customers write, in signed webhook deliveries of 40.
    for (let start = 1; start <= CONVERSATIONS; start += 40) {
      const items = Array.from({ length: 40 }, (_, k) => start + k).map((i) => ({
        phoneNumberId,
        ...customer(i),
        text: `Question about order ${1000 + i}`
      }))
      await sandbox("inbound-batch", { items })
    }
    const deadline = Date.now() + 60_000
    while ((await countConversations(page)) < CONVERSATIONS) {
      if (Date.now() > deadline) throw new Error("the 120 conversations were not processed within 60 s")
      await new Promise((done) => setTimeout(done, 500))
    }

    const list = page.getByRole("navigation", { name: "Conversations" })
    await list.getByText("Showing the 20 most recent.").waitFor({ timeout: 15_000 })
    expect(await list.getByRole("listitem").count()).toBe(20)
    await list.getByRole("button", { name: "Load more" }).scrollIntoViewIfNeeded()
    await screenshot("inbox-01-list-with-load-more")

    let pages = 1
    while (await list.getByRole("button", { name: "Load more" }).isVisible()) {
      await list.getByRole("button", { name: "Load more" }).click()
      pages++
      await list
        .getByRole("listitem")
        .nth(Math.min(pages * 20, CONVERSATIONS) - 1)
        .waitFor()
    }
    await list.getByText(`All ${CONVERSATIONS} conversations shown.`).waitFor()
    expect(pages).toBe(6)
    const names = await list.locator(".conversation-name").allTextContents()
    expect(names).toHaveLength(CONVERSATIONS)
    expect(new Set(names).size).toBe(CONVERSATIONS)
    // Every customer once (a delivery's messages share their second, so their order among themselves is by id).
    expect([...names].sort()).toEqual(Array.from({ length: CONVERSATIONS }, (_, i) => `Customer ${i + 1}`).sort())
    await screenshot("inbox-02-all-120-listed")

    // Search by number, as people type it.
    await list.getByRole("searchbox", { name: "Search conversations" }).fill("+1 555 700 0042")
    await list.getByText("All 1 match shown.").waitFor({ timeout: 10_000 })
    expect(await list.locator(".conversation-name").allTextContents()).toEqual(["Customer 42"])
    await list.getByRole("button", { name: /Customer 42/ }).click()
    await page.getByRole("log", { name: "Messages with Customer 42" }).getByText("Question about order 1042").waitFor()
    await screenshot("inbox-03-search-by-number")

    // New conversation: a number not in E.164 is refused in words; a new number opens a thread that starts with a template.
    await list.getByRole("button", { name: "New conversation" }).click()
    const field = page.getByLabel("Phone number with country code")
    await field.fill("555 0199")
    await page.getByRole("button", { name: "Open conversation" }).click()
    await page
      .getByRole("alert")
      .getByText(/^Add \+ and the country code/)
      .waitFor()
    await screenshot("inbox-04-new-conversation-invalid")
    await field.fill("+1 555 999 0001")
    await page.getByRole("button", { name: "Open conversation" }).click()
    await page.getByRole("heading", { name: "+1 555 999 0001" }).waitFor()
    await page
      .getByTestId("composer-reason")
      .getByText(/^Start with an approved template/)
      .waitFor()
    expect(await page.getByLabel("Message", { exact: true }).isDisabled()).toBe(true)
    await screenshot("inbox-05-new-conversation")
    expect(problems).toEqual([])
  }, 180_000)
})
