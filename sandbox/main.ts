/**
 * Standalone sandbox Meta (`npm run sandbox`): reads or creates `$DATA_DIR/sandbox-secrets.json` and serves the
 * dialog, the Graph API and the `/_sandbox/` controls on `SANDBOX_PORT` (default `PORT`+1). Never prints secrets.
 */
import { randomBytes } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { newId } from "./ids.ts"
import { startSandbox } from "./Sandbox.ts"

export interface SandboxSecrets {
  readonly META_APP_ID: string
  readonly META_APP_SECRET: string
  readonly META_WEBHOOK_VERIFY_TOKEN: string
  readonly TOKEN_ENCRYPTION_KEY_BASE64: string
  readonly AUTH_JWT_SECRET: string
}

const KEYS: ReadonlyArray<keyof SandboxSecrets> = [
  "META_APP_ID",
  "META_APP_SECRET",
  "META_WEBHOOK_VERIFY_TOKEN",
  "TOKEN_ENCRYPTION_KEY_BASE64",
  "AUTH_JWT_SECRET"
]

const generate = (key: keyof SandboxSecrets): string => {
  if (key === "META_APP_ID") return newId(16)
  if (key === "TOKEN_ENCRYPTION_KEY_BASE64") return randomBytes(32).toString("base64")
  return randomBytes(32).toString("hex")
}

/** Reads the secrets file, filling in (and saving, mode 0600) any key that is missing. */
export const loadSandboxSecrets = (dataDir: string): SandboxSecrets => {
  const file = join(dataDir, "sandbox-secrets.json")
  let current: Record<string, unknown> = {}
  if (existsSync(file)) {
    const parsed: unknown = JSON.parse(readFileSync(file, "utf8"))
    if (typeof parsed === "object" && parsed !== null) current = { ...parsed }
  }
  let changed = false
  const out: Record<string, string> = {}
  for (const key of KEYS) {
    const value = current[key]
    if (typeof value === "string" && value !== "") out[key] = value
    else {
      out[key] = generate(key)
      changed = true
    }
  }
  if (changed) {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(file, `${JSON.stringify({ ...current, ...out }, null, 2)}\n`, { mode: 0o600 })
    chmodSync(file, 0o600)
  }
  return {
    META_APP_ID: out["META_APP_ID"]!,
    META_APP_SECRET: out["META_APP_SECRET"]!,
    META_WEBHOOK_VERIFY_TOKEN: out["META_WEBHOOK_VERIFY_TOKEN"]!,
    TOKEN_ENCRYPTION_KEY_BASE64: out["TOKEN_ENCRYPTION_KEY_BASE64"]!,
    AUTH_JWT_SECRET: out["AUTH_JWT_SECRET"]!
  }
}

const main = async () => {
  const env = process.env
  const dataDir = resolve(env["DATA_DIR"] ?? "./data")
  const secrets = loadSandboxSecrets(dataDir)
  const port = Number(env["PORT"] ?? 3000)
  const sandboxPort = Number(env["SANDBOX_PORT"] ?? port + 1)
  const appBase = (env["APP_BASE_URL"] ?? `http://127.0.0.1:${port}`).replace(/\/$/, "")
  const configId = env["META_CONFIG_ID"]
  const adsConfigId = env["META_ADS_CONFIG_ID"]
  const sandbox = await startSandbox({
    port: sandboxPort,
    app: {
      id: secrets.META_APP_ID,
      secret: secrets.META_APP_SECRET,
      redirectUris: [
        `${appBase}/api/integrations/meta/whatsapp/callback`,
        `${appBase}/api/integrations/meta/ads/callback`
      ],
      ...(configId === undefined || configId === "" ? {} : { configId }),
      ...(adsConfigId === undefined || adsConfigId === "" ? {} : { adsConfigId })
    },
    // Subscribed to the service's callback, as a configured production app is.
    webhookCallbackUrl: `${appBase}/webhooks/meta/whatsapp`,
    verifyToken: secrets.META_WEBHOOK_VERIFY_TOKEN,
    stateFile: join(dataDir, "sandbox-state.json")
  })
  console.log(
    `[sandbox] Meta sandbox listening on ${sandbox.url} (app ${secrets.META_APP_ID}; controls under /_sandbox/)`
  )
  const stop = () => {
    sandbox.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(`[sandbox] failed to start: ${error instanceof Error ? error.message : String(error)}`)
    process.exit(1)
  })
}
