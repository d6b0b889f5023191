/**
 * The signed-in session: a bearer token kept in localStorage, so it survives the round trip through Meta and a new
 * tab (sessionStorage is per tab: a second tab would be signed out).
 */

import type { MetaClientConfig } from "../connect/metaSdk.ts"

export interface Session {
  readonly token: string
  /** The workspace name typed at the sandbox sign-in (absent when the host product gave the token). */
  readonly tenant?: string
}

export type Role = "admin" | "marketing" | "member"

const KEY = "mcc.session"

export const readSession = (storage: Storage = localStorage): Session | null => {
  try {
    const raw = storage.getItem(KEY)
    if (raw === null) return null
    const value = JSON.parse(raw) as { token?: unknown; tenant?: unknown }
    if (typeof value.token !== "string" || value.token === "") return null
    return typeof value.tenant === "string" ? { token: value.token, tenant: value.tenant } : { token: value.token }
  } catch {
    return null
  }
}

export const saveSession = (session: Session, storage: Storage = localStorage): void =>
  storage.setItem(KEY, JSON.stringify(session))

export const clearSession = (storage: Storage = localStorage): void => storage.removeItem(KEY)

/**
 * A token handed over by the host product in the fragment (`#token=...`): stored, then removed from the address
 * bar so it does not linger in history or get copied along with the URL.
 */
export const takeFragmentToken = (location: Location = window.location, history: History = window.history) => {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""))
  const token = fragment.get("token")
  if (token === null || token === "") return null
  fragment.delete("token")
  const rest = fragment.toString()
  history.replaceState(history.state, "", `${location.pathname}${location.search}${rest === "" ? "" : `#${rest}`}`)
  const session: Session = { token }
  saveSession(session)
  return session
}

export interface ClientConfig {
  readonly mode: "sandbox" | "production"
  /** Embedded Signup through Meta's JS SDK popup; absent: the redirect only. */
  readonly meta?: MetaClientConfig
}

const metaOf = (value: unknown): MetaClientConfig | null => {
  if (typeof value !== "object" || value === null) return null
  const meta = value as Record<string, unknown>
  const strings = ["appId", "configId", "graphVersion", "sdkUrl"].every((k) => typeof meta[k] === "string")
  const origins = meta["messageOrigins"]
  if (!strings || !Array.isArray(origins) || !origins.every((o) => typeof o === "string")) return null
  return {
    appId: meta["appId"] as string,
    configId: meta["configId"] as string,
    graphVersion: meta["graphVersion"] as string,
    sdkUrl: meta["sdkUrl"] as string,
    messageOrigins: origins as Array<string>
  }
}

export const fetchClientConfig = async (fetchImpl: typeof fetch = fetch): Promise<ClientConfig> => {
  const response = await fetchImpl("/api/client-config", { credentials: "same-origin" })
  if (!response.ok) throw new Error(`client config: HTTP ${response.status}`)
  const body = (await response.json()) as { mode?: unknown; meta?: unknown }
  const meta = metaOf(body.meta)
  return { mode: body.mode === "sandbox" ? "sandbox" : "production", ...(meta === null ? {} : { meta }) }
}

/** `POST /api/dev/session` (sandbox mode only). */
export const signInDev = async (tenant: string, role: Role, fetchImpl: typeof fetch = fetch): Promise<Session> => {
  const response = await fetchImpl("/api/dev/session", {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tenant, role })
  })
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null
    throw new Error(body?.error?.message ?? `Sign-in failed (HTTP ${response.status}).`)
  }
  const body = (await response.json()) as { token: string }
  return { token: body.token, tenant }
}
