/**
 * Issue 14, through the service and its sandbox Meta (as strict as Meta): appsecret_proof on every user-token call,
 * the app's webhook callback never rewritten, conversations keyed by Meta's wa_id, and manual connect refusing a
 * token of another app. Runs on the embedded database, and on PostgreSQL when DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { parsePrometheusText, sampleValue } from "./support/PrometheusText.ts"
import { type Stack, startStack } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const backends = (await systemDatabases()).map(({ name, url }) => ({
  name,
  env: url === "" ? {} : { DATABASE_URL: url }
}))

/** Tenants of this run only: the PostgreSQL database outlives it. */
const run = crypto.randomUUID().slice(0, 8)
const newNumber = { action: "approve", waba: "new", phone: "new" }
const CONVERSATIONS = `{ conversations(first: 20) { edges { node { id waId contactName lastMessageAt
  messages(first: 20) { edges { node { direction text } } } } } } }`
type Conversations = {
  conversations: {
    edges: Array<{ node: { waId: string; messages: { edges: Array<{ node: { direction: string; text: string } }> } } }>
  }
}

for (const backend of backends) {
  describe(`issue 14 through the sandbox (${backend.name})`, () => {
    let stack: Stack
    let http: ReturnType<typeof client>
    const sandboxState = async () =>
      (await (await fetch(`${stack.sandboxUrl}/_sandbox/state`)).json()) as {
        app: { id: string; subscription: { callbackUrl: string } | null }
        config: { requireAppSecretProof: boolean }
      }
    const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await http.api(token, "POST", "/graphql", { query, variables })
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
      return body.data!
    }
    const callbackGauge = async () => {
      const text = await (await fetch(`${stack.service.url}/metrics`)).text()
      return sampleValue(parsePrometheusText(text), "meta_app_webhook_callback_ok")
    }

    beforeAll(async () => {
      stack = await startStack(`issue14-${backend.name}`, {
        LOG_LEVEL: "warn",
        TOKEN_HEALTH_INTERVAL_SECONDS: "1",
        ...backend.env
      })
      http = client(stack.service.url)
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("the sandbox app requires appsecret_proof, starts subscribed to the service's callback, and connecting works", async () => {
      const state = await sandboxState()
      expect(state.config.requireAppSecretProof).toBe(true)
      expect(state.app.subscription?.callbackUrl).toBe(`${stack.service.url}/webhooks/meta/whatsapp`)
      const { token } = await http.session(`proof-co-${run}`)
      const result = await http.connect(token, newNumber)
      expect(new URL(result.location).searchParams.get("whatsapp")).toBe("connected")
      expect(await eventually(async () => ((await callbackGauge()) === 1 ? 1 : undefined), "the gauge at 1")).toBe(1)
    }, 30_000)

    it("connecting never rewrites the app's callback; a foreign callback is reported by the metric", async () => {
      const ours = `${stack.service.url}/webhooks/meta/whatsapp`
      const foreign = "https://staging.example.com/webhooks/meta/whatsapp"
      await stack.control("app/subscription", { callbackUrl: foreign })
      try {
        const { token } = await http.session(`foreign-callback-co-${run}`)
        const result = await http.connect(token, newNumber)
        expect(new URL(result.location).searchParams.get("whatsapp")).toBe("connected")
        expect((await sandboxState()).app.subscription?.callbackUrl).toBe(foreign)
        await eventually(async () => ((await callbackGauge()) === 0 ? true : undefined), "the gauge at 0")
      } finally {
        await stack.control("app/subscription", { callbackUrl: ours })
      }
      await eventually(async () => ((await callbackGauge()) === 1 ? true : undefined), "the gauge back at 1")
    }, 30_000)

    it("a send to a Brazilian number with the ninth digit and the contact's reply share one conversation", async () => {
      const { token } = await http.session(`brazil-co-${run}`)
      await http.connect(token, newNumber)
      // The contact writes first (the webhook carries WhatsApp's wa_id, as Meta's does), opening the window; the
      // reply to the number as a person would type it lands in the same thread.
      await contactWrites(stack.control, (q) => graphql(token, q), "+55 11 91234-5678", {
        text: "Oi!",
        waId: "551112345678"
      })
      const sent = await http.api(token, "POST", "/api/integrations/meta/whatsapp/messages", {
        to: "+55 11 91234-5678",
        text: "Olá!"
      })
      expect(sent.status).toBe(201)
      const conversations = await eventually(async () => {
        const data = (await graphql(token, CONVERSATIONS)) as Conversations
        const edges = data.conversations.edges
        const texts = edges.flatMap((edge) => edge.node.messages.edges.map((m) => m.node.text))
        return texts.includes("Oi!") && texts.includes("Olá!") ? edges : undefined
      }, "the inbound message and the reply")
      expect(conversations.map((edge) => edge.node.waId)).toEqual(["551112345678"])
      // Meta's inbound timestamp has whole seconds, so the order within the second is not asserted.
      const thread = conversations[0]!.node.messages.edges.map((m) => `${m.node.direction} ${m.node.text}`)
      expect(thread.sort()).toEqual(["INBOUND Oi!", "OUTBOUND Olá!"])
    }, 30_000)

    it("manual connect refuses a token of another app with a clear message, storing nothing", async () => {
      const { token } = await http.session(`manual-other-app-${run}`)
      const minted = await stack.control("tokens", {})
      const state = await sandboxState()
      const waba = String(minted["wabaId"])
      const summary = (await (await fetch(`${stack.sandboxUrl}/_sandbox/state`)).json()) as {
        numbers: Array<{ id: string; wabaId: string }>
      }
      const phone = summary.numbers.find((n) => n.wabaId === waba)!.id
      const data = await graphql(
        token,
        `mutation($input: ManualConnectInput!) { connectWhatsAppManually(input: $input) {
          __typename ... on Error { message } ... on MetaTokenAppMismatchError { expectedAppId } } }`,
        { input: { wabaId: waba, phoneNumberId: phone, accessToken: String(minted["accessToken"]) } }
      )
      const result = data["connectWhatsAppManually"] as Record<string, string>
      expect(result["__typename"]).toBe("MetaTokenAppMismatchError")
      expect(result["expectedAppId"]).toBe(state.app.id)
      expect(result["message"]).toContain("another Meta app")
      const status = await (await http.api(token, "GET", "/api/integrations/meta/whatsapp/status")).json()
      expect((status as { status: string }).status).toBe("not_connected")
    }, 30_000)
  })
}
