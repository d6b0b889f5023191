/**
 * `npm run webhook:replay -- <sample.json> [--phone-number-id ID] [--url URL]` (dev only): signs a webhook sample
 * with the sandbox app secret (DATA_DIR/sandbox-secrets.json, or META_APP_SECRET) exactly as Meta does (escaped
 * unicode, `X-Hub-Signature-256`) and posts it to the running service.
 */
import { createHmac } from "node:crypto"
import { existsSync, readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { parseArgs } from "node:util"

/** Meta's serialisation: non-ASCII characters escaped as `\uXXXX` with lowercase hex. */
export const metaSerialise = (value: unknown): string =>
  JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

export const signBody = (body: string, secret: string): string =>
  `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`

/** Replaces every `metadata.phone_number_id` of a payload. */
export const withPhoneNumberId = (payload: unknown, phoneNumberId: string): unknown =>
  JSON.parse(JSON.stringify(payload), (key, value) => (key === "phone_number_id" ? phoneNumberId : value))

const main = async () => {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { "phone-number-id": { type: "string" }, url: { type: "string" } }
  })
  const file = positionals[0]
  if (file === undefined) {
    console.error("Usage: npm run webhook:replay -- <sample.json> [--phone-number-id ID] [--url URL]")
    process.exit(2)
  }
  if (process.env["META_APP_ID"]) {
    console.error("webhook:replay is for sandbox mode only (META_APP_ID is set).")
    process.exit(2)
  }
  const secretsPath = join(resolve(process.env["DATA_DIR"] ?? "./data"), "sandbox-secrets.json")
  const secret =
    process.env["META_APP_SECRET"] ??
    (existsSync(secretsPath)
      ? (JSON.parse(readFileSync(secretsPath, "utf8")) as Record<string, string>)["META_APP_SECRET"]
      : undefined)
  if (secret === undefined) {
    console.error(`No app secret: start the service once in sandbox mode (it writes ${secretsPath}).`)
    process.exit(2)
  }
  const sample: unknown = JSON.parse(readFileSync(resolve(file), "utf8"))
  const payload =
    values["phone-number-id"] === undefined ? sample : withPhoneNumberId(sample, values["phone-number-id"])
  const body = metaSerialise(payload)
  const url = values.url ?? `http://127.0.0.1:${process.env["PORT"] ?? 3000}/webhooks/meta/whatsapp`
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "x-hub-signature-256": signBody(body, secret) },
    body
  })
  console.log(`POST ${url} -> ${response.status} ${await response.text()}`)
  process.exit(response.ok ? 0 : 1)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
