/**
 * Connection health (issue 16.1–16.3) through the real service and the sandbox Meta: each check fails and recovers
 * as Meta's state changes, "Check now" (GraphQL and REST) updates the checked-at time, and health webhooks
 * (`phone_number_quality_update`, `account_review_update`, `business_capability_update`) update the stored health
 * at once.
 */
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { contactWrites } from "./support/CustomerWindow.ts"
import { eventually } from "./support/Eventually.ts"
import { type Stack, startStack } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const databases = await systemDatabases()
const run = randomBytes(4).toString("hex")
const newNumber = { action: "approve", waba: "new", phone: "new" }

interface Check {
  readonly name: string
  readonly status: string
  readonly message: string
  readonly checkedAt: string
}
interface Health {
  readonly overall: string
  readonly checkedAt: string | null
  readonly messagingHealthy: boolean
  readonly checks: ReadonlyArray<Check>
}

const HEALTH = "health { overall checkedAt messagingHealthy checks { name status message checkedAt } }"

for (const database of databases) {
  describe(`connection health through the sandbox (${database.name})`, () => {
    let stack: Stack
    const http = () => client(stack.service.url)
    const graphql = async (token: string, query: string) => {
      const response = await http().api(token, "POST", "/graphql", { query })
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
      return body.data!
    }
    const checkNow = async (token: string) =>
      (
        (await graphql(token, `mutation { checkWhatsAppConnection { status ${HEALTH} } }`))[
          "checkWhatsAppConnection"
        ] as { health: Health }
      ).health
    const stored = async (token: string) =>
      ((await graphql(token, `{ whatsappConnection { ${HEALTH} } }`))["whatsappConnection"] as { health: Health })
        .health
    const check = (health: Health, name: string) => {
      const found = health.checks.find((c) => c.name === name)
      if (found === undefined) throw new Error(`no ${name} check in ${JSON.stringify(health)}`)
      return found
    }
    const connect = async (tenant: string) => {
      const { token } = await http().session(`${tenant}-${run}`)
      await http().connect(token, newNumber)
      const view = (await graphql(token, "{ whatsappConnection { status wabaId phoneNumberId } }"))[
        "whatsappConnection"
      ] as { status: string; wabaId: string; phoneNumberId: string }
      expect(view.status).toBe("ACTIVE")
      return { token, wabaId: view.wabaId, phoneNumberId: view.phoneNumberId }
    }

    beforeAll(async () => {
      stack = await startStack("health", { LOG_LEVEL: "warn", DATABASE_URL: database.url })
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("a fresh connection: token, subscription, callback and number ok; no webhook yet is a warning", async () => {
      const { token } = await connect("health-fresh")
      // The checks run right after the connect, in the background: the card's next poll shows them, no Check now.
      const first = await eventually(async () => {
        const health = await stored(token)
        return health.checks.length > 0 ? health : undefined
      }, "the checks run after connecting")
      expect(check(first, "token").status).toBe("OK")
      expect(check(first, "waba_subscription").status).toBe("OK")

      const health = await checkNow(token)
      for (const name of ["token", "waba_subscription", "app_webhook", "number", "quality"])
        expect(check(health, name).status, `${name}: ${check(health, name).message}`).toBe("OK")
      // The sandbox's new numbers, like Meta's, connect while their display name is in review.
      expect(check(health, "display_name").status).toBe("WARNING")
      expect(check(health, "display_name").message).toContain("Meta is reviewing the display name")
      expect(check(health, "messaging_limit").message).toContain("2,000 customers a day (TIER_2K)")
      expect(check(health, "webhooks").status).toBe("WARNING")
      expect(check(health, "webhooks").message).toContain("No webhook has arrived")
      expect(health.overall).toBe("WARNING")
      expect(health.messagingHealthy).toBe(true)
      expect(await stored(token), "the results are stored").toEqual(health)
    })

    it("the app unsubscribed from the WABA: the subscription check fails (not Connected), and recovers", async () => {
      const { token, wabaId } = await connect("health-unsubscribed")
      await stack.control(`wabas/${wabaId}/subscribed-apps`, { subscribed: false })
      const failing = await checkNow(token)
      expect(check(failing, "waba_subscription").status).toBe("FAILING")
      expect(check(failing, "waba_subscription").message).toContain(
        `not subscribed to the WhatsApp Business Account ${wabaId}`
      )
      expect(failing.overall).toBe("FAILING")
      expect(failing.messagingHealthy).toBe(false)

      await stack.control(`wabas/${wabaId}/subscribed-apps`, { subscribed: true })
      const recovered = await checkNow(token)
      expect(check(recovered, "waba_subscription").status).toBe("OK")
      expect(recovered.messagingHealthy).toBe(true)
    })

    it("the app callback pointed elsewhere fails; a WABA override to this service rescues messages; recovers", async () => {
      const { token, wabaId } = await connect("health-callback")
      const state = (await stack.control("state", undefined, "GET")) as {
        app: { subscription: { callbackUrl: string } | null }
      }
      const ours = state.app.subscription!.callbackUrl
      const elsewhere = "https://staging.example.com/webhooks/meta/whatsapp"
      try {
        await stack.control("app/subscription", { callbackUrl: elsewhere })
        const failing = await checkNow(token)
        expect(check(failing, "app_webhook").status).toBe("FAILING")
        expect(check(failing, "app_webhook").message).toContain(`go to ${elsewhere}, not to this service`)
        expect(failing.messagingHealthy).toBe(false)

        await stack.control(`wabas/${wabaId}/subscribed-apps`, { overrideCallbackUri: ours })
        const rescued = await checkNow(token)
        expect(check(rescued, "app_webhook").status, check(rescued, "app_webhook").message).toBe("WARNING")
        expect(check(rescued, "app_webhook").message).toContain("through the WhatsApp Business Account's override")
        expect(rescued.messagingHealthy).toBe(true)

        await stack.control("app/subscription", { callbackUrl: ours })
        expect(check(await checkNow(token), "app_webhook").status).toBe("OK")

        await stack.control(`wabas/${wabaId}/subscribed-apps`, { overrideCallbackUri: elsewhere })
        const diverted = await checkNow(token)
        expect(check(diverted, "app_webhook").status).toBe("FAILING")
        expect(check(diverted, "app_webhook").message).toContain(`posts its messages to ${elsewhere}`)

        await stack.control(`wabas/${wabaId}/subscribed-apps`, { overrideCallbackUri: null })
        const recovered = await checkNow(token)
        expect(check(recovered, "app_webhook").status).toBe("OK")
        expect(recovered.messagingHealthy).toBe(true)
      } finally {
        await stack.control("app/subscription", { callbackUrl: ours })
      }
    })

    it("a WhatsApp permission revoked: the token check fails (not Connected), and a reconnect recovers", async () => {
      const { token, wabaId } = await connect("health-scope")
      await stack.control("revoke-permission", { permission: "whatsapp_business_messaging", wabaId })
      const failing = await checkNow(token)
      expect(check(failing, "token").status).toBe("FAILING")
      expect(check(failing, "token").message).toContain("lacks the permission whatsapp_business_messaging")
      expect(failing.messagingHealthy).toBe(false)

      await connect("health-scope")
      const recovered = await eventually(async () => {
        const health = await stored(token)
        return health.checks.some((c) => c.name === "token") ? health : undefined
      }, "the checks run after reconnecting")
      expect(check(recovered, "token").status).toBe("OK")
      expect(recovered.messagingHealthy).toBe(true)
    })

    it("a display-name decision (phone_number_name_update) updates the display_name check at once", async () => {
      const { token, phoneNumberId } = await connect("health-name")
      await checkNow(token)
      expect((await stack.control("name-review", { phoneNumberId, decision: "APPROVED" }))["deliveryStatus"]).toBe(200)
      const approved = await eventually(async () => {
        const health = await stored(token)
        return check(health, "display_name").status === "OK" ? health : undefined
      }, "the name webhook to be applied")
      expect(check(approved, "display_name").message).toContain("Meta approved the display name")
    })

    it("quality RED: the webhook turns the quality check to a warning at once, and Check now agrees", async () => {
      const { token, phoneNumberId } = await connect("health-quality")
      await checkNow(token)
      const sent = await stack.control(`numbers/${phoneNumberId}/quality`, { rating: "RED" })
      expect(sent["deliveryStatus"]).toBe(200)
      const flagged = await eventually(async () => {
        const health = await stored(token)
        return check(health, "quality").status === "WARNING" ? health : undefined
      }, "the quality webhook to be applied")
      expect(check(flagged, "quality").message).toContain("Meta flagged the number's quality as low")
      expect(flagged.messagingHealthy, "quality does not gate messaging").toBe(true)
      const read = await checkNow(token)
      expect(check(read, "quality").status).toBe("WARNING")
      expect(check(read, "quality").message).toContain("(RED)")
    })

    it("account review and capability webhooks update the stored health; an inbound message clears the webhook warning", async () => {
      const { token, wabaId, phoneNumberId } = await connect("health-events")
      await stack.control("account-review", { wabaId, decision: "REJECTED" })
      const rejected = await eventually(async () => {
        const health = await stored(token)
        return health.checks.some((c) => c.name === "account_review") ? health : undefined
      }, "the account review webhook to be applied")
      expect(check(rejected, "account_review").status).toBe("FAILING")
      expect(check(rejected, "account_review").message).toContain("Request another review")

      await stack.control("business-capability", { wabaId, maxDailyConversationsPerBusiness: 10000 })
      await eventually(async () => {
        const health = await stored(token)
        const limit = health.checks.find((c) => c.name === "messaging_limit")
        return limit?.message.includes("10,000 customers a day") ? health : undefined
      }, "the capability webhook to be applied")

      expect(
        (await stack.control("inbound", { phoneNumberId, from: "14155550123", text: "hi" }))["deliveryStatus"]
      ).toBe(200)
      const health = await eventually(async () => {
        const checked = await checkNow(token)
        return check(checked, "webhooks").status === "OK" ? checked : undefined
      }, "the webhook to be recorded")
      expect(check(health, "webhooks").message).toContain("The last webhook for the number arrived at")
    })

    it("Send a test message: invalid phone refused; accepted is ok; a failed status turns it failing with the reason", async () => {
      const { token } = await connect("health-canary")
      const send = async (to: string) => {
        const response = await http().api(token, "POST", "/graphql", {
          query: `mutation($to: String!) { sendWhatsAppTestMessage(input: { to: $to }) {
            __typename
            ... on SendWhatsAppTestMessageSuccess { connection { ${HEALTH} } }
            ... on Error { message }
          } }`,
          variables: { to }
        })
        const body = (await response.json()) as {
          data?: { sendWhatsAppTestMessage: { __typename: string; message?: string; connection?: { health: Health } } }
          errors?: unknown
        }
        if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
        return body.data!.sendWhatsAppTestMessage
      }
      const refused = await send("555-12")
      expect(refused.__typename).toBe("InvalidMessageError")
      expect(refused.message).toContain("country code")

      // A phone that never wrote to the number is outside the 24-hour window: free text would be refused, so the
      // canary sends Meta's hello_world template, approved in every WABA (synced right after the connect).
      const phone = "+15557654321"
      const helloStatus = async () => {
        const data = await graphql(token, "{ whatsappTemplates { name language status } }")
        const list = data["whatsappTemplates"] as Array<{ name: string; language: string; status: string }>
        return list.find((t) => t.name === "hello_world" && t.language === "en_US")?.status
      }
      await eventually(
        async () => ((await helloStatus()) === "APPROVED" ? true : undefined),
        "hello_world synced",
        45_000
      )
      const viaTemplate = await send(phone)
      expect(viaTemplate.__typename, JSON.stringify(viaTemplate)).toBe("SendWhatsAppTestMessageSuccess")
      expect(check(viaTemplate.connection!.health, "send").status).toBe("OK")
      expect(check(viaTemplate.connection!.health, "send").message).toContain("as the approved hello_world template")

      // Once Meta pauses hello_world (its status webhook), the canary falls back to saying what to do, in words.
      const synced = await graphql(
        token,
        "mutation { syncWhatsAppTemplates { ... on SyncWhatsAppTemplatesSuccess { list { wabaId } } } }"
      )
      const wabaId = (synced["syncWhatsAppTemplates"] as { list: { wabaId: string } }).list.wabaId
      await stack.control("templates/review", { wabaId, name: "hello_world", language: "en_US", status: "PAUSED" })
      await eventually(
        async () => ((await helloStatus()) === "PAUSED" ? true : undefined),
        "hello_world paused",
        45_000
      )
      // Over REST this time (the per-tenant limit counts both edges).
      const closed = await http().api(token, "POST", "/api/integrations/meta/whatsapp/test-message", { to: phone })
      expect(closed.status).toBe(200)
      const closedHealth = ((await closed.json()) as { health: Health }).health
      expect(check(closedHealth, "send").status).toBe("failing")
      expect(check(closedHealth, "send").message).toContain(
        "Send any WhatsApp message to your number from that phone, then try again"
      )

      await contactWrites(stack.control, (q) => graphql(token, q), phone)
      const accepted = await send(phone)
      expect(accepted.__typename, JSON.stringify(accepted)).toBe("SendWhatsAppTestMessageSuccess")
      expect(check(accepted.connection!.health, "send").status).toBe("OK")
      expect(check(accepted.connection!.health, "send").message).toContain(`Meta accepted the test message to ${phone}`)

      // Meta accepts the next one, then reports it failed: the status webhook turns the check failing.
      await stack.control("recipients", {
        waId: phone.slice(1),
        failWith: { code: 131026, title: "Message undeliverable" }
      })
      expect((await send(phone)).__typename).toBe("SendWhatsAppTestMessageSuccess")
      const failed = await eventually(
        async () => {
          const health = await stored(token)
          return check(health, "send").status === "FAILING" ? health : undefined
        },
        "the failed status to turn the send check failing",
        45_000
      )
      expect(check(failed, "send").message).toContain("then reported it failed: (#131026) Message undeliverable")
      expect(failed.messagingHealthy, "the canary does not gate messaging").toBe(true)

      // The per-tenant limit then refuses further test messages.
      let limited: Response | undefined
      for (let i = 0; i < 5 && limited === undefined; i++) {
        const response = await http().api(token, "POST", "/api/integrations/meta/whatsapp/test-message", { to: "12" })
        if (response.status === 429) limited = response
        else expect(response.status, "an invalid number is refused").toBe(400)
      }
      expect(limited?.status, "the per-tenant limit refuses further test messages").toBe(429)
    }, 120_000)

    it("Check now over REST updates the checked-at time; the status shows the health; it is rate-limited", async () => {
      const { token } = await connect("health-rest")
      const first = (await (await http().api(token, "POST", "/api/integrations/meta/whatsapp/check")).json()) as {
        health: Health
      }
      expect(first.health.checkedAt).not.toBeNull()
      await new Promise((done) => setTimeout(done, 20))
      const second = (await (await http().api(token, "POST", "/api/integrations/meta/whatsapp/check")).json()) as {
        health: Health
      }
      expect(Date.parse(second.health.checkedAt!)).toBeGreaterThan(Date.parse(first.health.checkedAt!))
      const status = (await (await http().api(token, "GET", "/api/integrations/meta/whatsapp/status")).json()) as {
        connected: boolean
        health: Health
      }
      expect(status.health).toEqual(second.health)
      let refused: Response | undefined
      for (let i = 0; i < 10 && refused === undefined; i++) {
        const response = await http().api(token, "POST", "/api/integrations/meta/whatsapp/check")
        if (response.status === 429) refused = response
      }
      expect(refused?.status, "the per-tenant limit refuses further checks").toBe(429)
    })
  })
}
