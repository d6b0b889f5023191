/**
 * Issue 14 item 7, through the service and its sandbox Meta (as strict as Meta): a number whose two-step verification
 * PIN was set before it came to us waits `pending` / `pin_required` until an admin enters the PIN (GraphQL and REST;
 * a wrong PIN says so, the PIN is never logged or returned), and a `NOT_VERIFIED` number is not registered blindly
 * (`pending` / `number_not_verified` until its owner verifies it). Runs on PGlite, and on PostgreSQL when
 * DATABASE_URL is set.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { client } from "./support/Browserless.ts"
import { type Stack, startStack } from "./support/Service.ts"
import { systemDatabases } from "./support/SystemDatabases.ts"

const backends = (await systemDatabases()).map(({ name, url }) => ({
  name,
  env: url === "" ? {} : { DATABASE_URL: url }
}))

/** Tenants of this run only: the PostgreSQL database outlives it. */
const run = crypto.randomUUID().slice(0, 8)
const PIN = "246810"
const CONNECTION = "status pendingReason phoneNumberId error"
const CHOOSE = `mutation($id: String!) { chooseWhatsAppNumber(phoneNumberId: $id) {
  __typename ... on ChooseWhatsAppNumberSuccess { connection { ${CONNECTION} } } ... on Error { message } } }`
const REGISTER = `mutation($input: RegisterWhatsAppNumberInput!) { registerWhatsAppNumber(input: $input) {
  __typename ... on RegisterWhatsAppNumberSuccess { connection { ${CONNECTION} } } ... on Error { message } } }`

interface SandboxNumber {
  readonly id: string
  readonly registered: boolean
  readonly codeVerificationStatus: string
  readonly verifiedName: string
}

for (const backend of backends) {
  describe(`registration as on real numbers (${backend.name})`, () => {
    let stack: Stack
    let http: ReturnType<typeof client>
    const graphql = async (token: string, query: string, variables: Record<string, unknown> = {}) => {
      const response = await http.api(token, "POST", "/graphql", { query, variables })
      const body = (await response.json()) as { data?: Record<string, unknown>; errors?: unknown }
      if (body.errors !== undefined) throw new Error(JSON.stringify(body.errors))
      return body.data!
    }
    const sandboxState = async () =>
      (await (await fetch(`${stack.sandboxUrl}/_sandbox/state`)).json()) as {
        seed: { wabaId: string }
        numbers: ReadonlyArray<SandboxNumber>
      }
    const numberAtMeta = async (id: string) => (await sandboxState()).numbers.find((n) => n.id === id)!
    /** A tenant logs in granting the seed WABA (several numbers), then picks `phoneNumberId` on the card. */
    const connectSeeded = async (tenant: string, phoneNumberId: string) => {
      const { token } = await http.session(tenant)
      const { seed } = await sandboxState()
      const result = await http.connect(token, { action: "approve", waba: seed.wabaId, phone: phoneNumberId })
      expect(new URL(result.location).searchParams.get("whatsapp")).toBe("pending")
      const chosen = (await graphql(token, CHOOSE, { id: phoneNumberId }))["chooseWhatsAppNumber"] as {
        __typename: string
        connection: { status: string; pendingReason: string | null }
      }
      return { token, chosen }
    }

    beforeAll(async () => {
      stack = await startStack(`issue14-registration-${backend.name}`, { LOG_LEVEL: "debug", ...backend.env })
      http = client(stack.service.url)
    }, 60_000)
    afterAll(async () => {
      await stack?.service.stop()
    })

    it("both seed numbers are verified (the browser suite connects them); an unverified one is seeded apart", async () => {
      const { numbers } = await sandboxState()
      const seeds = numbers.filter((n) => ["Sandbox Shop", "Sandbox Support"].includes(n.verifiedName))
      expect(seeds.map((n) => n.codeVerificationStatus)).toEqual(["VERIFIED", "VERIFIED"])
      const unverified = (await stack.control("seed/phone-number", { verified: false })) as unknown as SandboxNumber
      expect(unverified.codeVerificationStatus).toBe("NOT_VERIFIED")
    })

    it("a number whose two-step PIN was set before: pending pin_required, a wrong PIN says so, the right one connects", async () => {
      const seeded = await stack.control("seed/phone-number", { verifiedName: "Two-Step Co", pin: PIN })
      const id = String(seeded["id"])
      const { token, chosen } = await connectSeeded(`pin-co-${run}`, id)
      expect(chosen.__typename).toBe("ChooseWhatsAppNumberSuccess")
      expect(chosen.connection).toMatchObject({ status: "PENDING", pendingReason: "pin_required" })
      expect((await numberAtMeta(id)).registered).toBe(false)

      const wrong = (await graphql(token, REGISTER, { input: { pin: "135790" } }))["registerWhatsAppNumber"] as {
        __typename: string
        message: string
      }
      expect(wrong.__typename).toBe("RegistrationPinMismatchError")
      expect(wrong.message).toContain("That PIN is not this number's two-step verification PIN")
      const still = (await graphql(token, `{ whatsappConnection { ${CONNECTION} } }`))["whatsappConnection"]
      expect(still).toMatchObject({ status: "PENDING", pendingReason: "pin_required" })

      const malformed = await http.api(token, "POST", "/api/integrations/meta/whatsapp/register", { pin: "12" })
      expect(malformed.status).toBe(400)
      expect(((await malformed.json()) as { error: { code: string } }).error.code).toBe("invalid_pin")

      const done = await http.api(token, "POST", "/api/integrations/meta/whatsapp/register", { pin: PIN })
      expect(done.status).toBe(200)
      const body = (await done.json()) as Record<string, unknown>
      expect(body).toMatchObject({ connected: true, status: "active", pendingReason: null })
      expect(JSON.stringify(body)).not.toContain(PIN)
      expect((await numberAtMeta(id)).registered).toBe(true)
      // Never logged (the service runs at debug level here), never returned.
      expect(stack.service.output()).not.toContain(PIN)
      expect(stack.service.output()).not.toContain("135790")

      const again = await http.api(token, "POST", "/api/integrations/meta/whatsapp/register", { pin: PIN })
      expect(again.status).toBe(409)
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe("no_registration_pending")
    }, 30_000)

    it("a NOT_VERIFIED number is not registered blindly: pending number_not_verified, then verified and checked again", async () => {
      const seeded = await stack.control("seed/phone-number", { verifiedName: "Unverified Co", verified: false })
      const id = String(seeded["id"])
      const { token, chosen } = await connectSeeded(`unverified-co-${run}`, id)
      expect(chosen.connection).toMatchObject({ status: "PENDING", pendingReason: "number_not_verified" })
      expect((await numberAtMeta(id)).registered).toBe(false)

      // Checked again before the owner verified it: still waiting, nothing registered.
      const early = (await graphql(token, REGISTER, { input: {} }))["registerWhatsAppNumber"] as {
        connection: { pendingReason: string }
      }
      expect(early.connection.pendingReason).toBe("number_not_verified")
      expect((await numberAtMeta(id)).registered).toBe(false)

      // The owner verifies it in WhatsApp Manager; Check again connects.
      await stack.control(`numbers/${id}/verify`, {})
      const checked = (await graphql(token, REGISTER, { input: {} }))["registerWhatsAppNumber"] as {
        connection: { status: string }
      }
      expect(checked.connection.status).toBe("ACTIVE")
      expect((await numberAtMeta(id)).registered).toBe(true)
    }, 30_000)

    it("registering is rate limited per workspace, like the other mutations", async () => {
      const { token } = await http.session(`register-limit-${run}`)
      const statuses: Array<number> = []
      for (let i = 0; i < 6; i++) {
        statuses.push((await http.api(token, "POST", "/api/integrations/meta/whatsapp/register", { pin: PIN })).status)
      }
      expect(statuses.slice(0, 5)).toEqual([409, 409, 409, 409, 409])
      expect(statuses[5]).toBe(429)
    }, 30_000)
  })
}
