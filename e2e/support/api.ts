import type { Page } from "playwright-core"

/** A GraphQL query with the page's own session token (what the page itself would send). */
export const pageGraphql = <T = { data?: Record<string, Record<string, unknown>> }>(page: Page, query: string) =>
  page.evaluate(async (body) => {
    const session = JSON.parse(localStorage.getItem("mcc.session") ?? "{}") as { token?: string }
    const response = await fetch("/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ query: body })
    })
    return (await response.json()) as unknown
  }, query) as Promise<T>

/** `POST /_sandbox/<path>` on the sandbox (Meta's emulator): its answer, with its HTTP status. */
export const sandboxControl = async (sandboxUrl: string, path: string, body: unknown) => {
  const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  return { status: response.status, body: (await response.json()) as Record<string, unknown> }
}

/** The WhatsApp card of the integrations page. */
export const whatsAppCard = (page: Page) => page.getByRole("region", { name: "WhatsApp", exact: true })

/**
 * Connects WhatsApp through Embedded Signup in the same window (the popup is refused), approving a new WABA in the
 * sandbox's dialog; the connected number's id.
 */
export const connectWhatsAppHere = async (page: Page, sandboxUrl: string): Promise<string> => {
  await page.evaluate(() => {
    window.open = () => null
  })
  const card = page.getByRole("region", { name: "WhatsApp", exact: true })
  await page.getByRole("button", { name: "Connect WhatsApp" }).click()
  await card.getByRole("button", { name: "Continue in this window" }).click()
  await page.waitForURL((url) => url.href.startsWith(sandboxUrl))
  await page.locator("#waba-new").check()
  await page.locator("#approve").click()
  await page.getByText("WhatsApp is connected.").waitFor()
  const connection = await pageGraphql(page, "{ whatsappConnection { phoneNumberId } }")
  return String(connection.data?.["whatsappConnection"]?.["phoneNumberId"])
}
