import { resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { importClosure, PATHS, reader } from "../scripts/import-closure.ts"

const read = reader(resolve(import.meta.dirname, ".."), undefined)

describe("import closure of the two paths of issue 12", () => {
  it("the webhook path reaches no use case of another capability: not sending, templates, the health checks or the test message", () => {
    const files = importClosure(PATHS["webhook"]!, read)
    expect(files).toContain("src/application/webhooks/WebhookProcessor.ts")
    for (const other of [
      "src/application/messaging/Messaging.ts",
      "src/application/messaging/Templates.ts",
      "src/application/health/TestMessages.ts",
      "src/application/health/ConnectionHealthChecks.ts",
      "src/application/health/AppWebhookCheck.ts",
      "src/application/ports/ConnectSettings.ts"
    ])
      expect(files, other).not.toContain(other)
  })

  it("Connect WhatsApp reaches neither the template use case nor sending (it syncs templates through a port)", () => {
    const files = importClosure(PATHS["connect-whatsapp"]!, read)
    expect(files).toContain("src/application/connect/WhatsAppConnections.ts")
    for (const other of ["src/application/messaging/Templates.ts", "src/application/messaging/Messaging.ts"])
      expect(files, other).not.toContain(other)
  })
})
