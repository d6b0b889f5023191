// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen } from "@testing-library/react"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import { App } from "./App.tsx"
import { readSession } from "./shared/session.ts"
import { member, notConnected } from "./shared/testing.tsx"

const json = (body: unknown, status = 200) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

/** The service: client config, the dev session, and a GraphQL endpoint answering `graphql(body)`. */
const service = (mode: "sandbox" | "production", graphql: (body: { query: string }) => Response) =>
  vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = String(input)
    if (url.endsWith("/api/client-config")) return json({ mode })
    if (url.endsWith("/api/dev/session")) {
      const body = JSON.parse(String(init?.body)) as { tenant: string; role: string }
      return json({ token: `token-${body.tenant}-${body.role}`, tenantId: "t-1", userId: "u-1" })
    }
    if (url.endsWith("/graphql")) return graphql(JSON.parse(String(init?.body)) as { query: string })
    return json({ error: { code: "not_found" } }, 404)
  })

const integrations = {
  data: {
    viewer: { __typename: "Viewer", ...member },
    whatsappConnection: { __typename: "WhatsAppConnection", ...notConnected }
  }
}
const emptyConversations = {
  data: {
    conversations: {
      __typename: "ConversationConnection",
      edges: [],
      pageInfo: { __typename: "PageInfo", hasNextPage: false, endCursor: null }
    }
  }
}

beforeEach(() => {
  sessionStorage.clear()
  localStorage.clear()
  window.history.replaceState(null, "", "/")
})
afterEach(() => {
  cleanup()
  vi.unstubAllGlobals()
})

describe("App", () => {
  it("sandbox: says so, signs in with a tenant and a role, keeps the token for new tabs too (localStorage), signs out", async () => {
    const fetchMock = service("sandbox", (body) =>
      json(body.query.includes("Conversations") ? emptyConversations : integrations)
    )
    vi.stubGlobal("fetch", fetchMock)
    await act(async () => render(<App fetchImpl={fetchMock} />))
    expect(window.location.pathname).toBe("/settings/integrations")
    expect(screen.getByRole("note").textContent).toContain("Sandbox")
    fireEvent.change(screen.getByLabelText("Workspace"), { target: { value: "tenant-a" } })
    fireEvent.change(screen.getByLabelText("Role"), { target: { value: "admin" } })
    await act(async () => fireEvent.click(screen.getByRole("button", { name: "Sign in" })))
    expect(readSession()).toEqual({ token: "token-tenant-a-admin", tenant: "tenant-a" })
    // A new tab starts with an empty sessionStorage: the session must not live there.
    sessionStorage.clear()
    expect(readSession()).toEqual({ token: "token-tenant-a-admin", tenant: "tenant-a" })
    await screen.findByRole("button", { name: "Connect WhatsApp" })
    expect(screen.getByText(/Signed in to/).textContent).toBe("Signed in to tenant-a as Member")
    const graphqlCall = fetchMock.mock.calls.find(([url]) => String(url).endsWith("/graphql"))
    expect(graphqlCall?.[1]?.method).toBe("POST")
    expect(new Headers(graphqlCall?.[1]?.headers).get("authorization")).toBe("Bearer token-tenant-a-admin")
    expect(graphqlCall?.[1]?.credentials).toBe("same-origin")

    fireEvent.click(screen.getByRole("button", { name: "Sign out" }))
    expect(readSession()).toBeNull()
    expect(screen.getByRole("heading", { name: "Sign in to the sandbox" })).toBeTruthy()
  })

  it("a refused token (401) ends the session with a message", async () => {
    localStorage.setItem("mcc.session", JSON.stringify({ token: "expired", tenant: "tenant-a" }))
    const fetchMock = service("sandbox", () => json({ error: { code: "unauthenticated", message: "no" } }, 401))
    vi.stubGlobal("fetch", fetchMock)
    await act(async () => render(<App fetchImpl={fetchMock} />))
    await screen.findByText("Your session has expired. Sign in again.")
    expect(readSession()).toBeNull()
  })

  it("production without a session: the host product provides it; no dev sign-in", async () => {
    const fetchMock = service("production", () => json({}, 500))
    await act(async () => render(<App fetchImpl={fetchMock} />))
    expect(screen.getByRole("heading", { name: "Sign in through your product" })).toBeTruthy()
    expect(screen.queryByRole("note")).toBeNull()
    expect(screen.queryByLabelText("Workspace")).toBeNull()
  })

  it("production: a #token= fragment is taken into the session store and removed from the address bar", async () => {
    window.history.replaceState(null, "", "/settings/integrations#token=abc.def")
    const fetchMock = service("production", (body) =>
      json(body.query.includes("Conversations") ? emptyConversations : integrations)
    )
    vi.stubGlobal("fetch", fetchMock)
    await act(async () => render(<App fetchImpl={fetchMock} />))
    expect(readSession()).toEqual({ token: "abc.def" })
    expect(window.location.hash).toBe("")
    await screen.findByRole("button", { name: "Connect WhatsApp" })
  })
})
