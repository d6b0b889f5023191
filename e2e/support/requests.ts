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

/** A sandbox control call from the test (`POST /_sandbox/<path>`: what Meta's side does without the page). */
export const sandboxControl = async (sandboxUrl: string, path: string, body: unknown = {}) => {
  const response = await fetch(`${sandboxUrl}/_sandbox/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body)
  })
  return (await response.json()) as Record<string, unknown>
}

/** The WhatsApp card of the integrations page. */
export const whatsAppCard = (page: Page) => page.getByRole("region", { name: "WhatsApp", exact: true })
