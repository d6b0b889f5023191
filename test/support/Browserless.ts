import { createServer } from "node:net"

/** A free TCP port on 127.0.0.1 (the redirect URI must name the service's real port). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Drives the service's HTTP API and the sandbox's dialog the way a browser would, keeping cookies. */
export const client = (baseUrl: string) => {
  const session = async (tenant: string, role: "admin" | "marketing" | "member" = "admin") => {
    const response = await fetch(`${baseUrl}/api/dev/session`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ tenant, role })
    })
    if (response.status !== 200) throw new Error(`dev session: ${response.status}`)
    return (await response.json()) as { token: string; tenantId: string; userId: string }
  }

  const api = (token: string | null, method: string, path: string, body?: unknown) =>
    fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" })
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      redirect: "manual"
    })

  /** Start → the dialog → Meta's redirect back → our callback; returns where the service sent the browser. */
  const connect = async (token: string, dialog: Record<string, string>, options: { cookie?: boolean } = {}) => {
    const started = await api(token, "POST", "/api/integrations/meta/whatsapp/start")
    if (started.status !== 200) throw new Error(`start: ${started.status} ${await started.text()}`)
    const { authUrl, state } = (await started.json()) as { authUrl: string; state: string }
    const cookie = (started.headers.get("set-cookie") ?? "").split(";")[0]!
    const page = await fetch(authUrl)
    if (page.status !== 200) throw new Error(`dialog: ${page.status} ${await page.text()}`)
    const answered = await fetch(authUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(dialog).toString(),
      redirect: "manual"
    })
    const callbackUrl = answered.headers.get("location")
    if (answered.status !== 302 || callbackUrl === null) throw new Error(`dialog submit: ${answered.status}`)
    const back = await fetch(callbackUrl, {
      headers: options.cookie === false ? {} : { cookie },
      redirect: "manual"
    })
    return { status: back.status, location: back.headers.get("location") ?? "", callbackUrl, cookie, state, authUrl }
  }

  return { session, api, connect }
}
