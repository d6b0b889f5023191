/**
 * Meta's JS SDK (or the sandbox's stand-in) for Embedded Signup in a popup: loading it once, and reading the popup's
 * session-info message events (META_SPEC 1.3-1.5).
 */
import type { SessionEvent } from "./connectFlow.ts"

export interface MetaClientConfig {
  readonly appId: string
  readonly configId: string
  readonly graphVersion: string
  readonly sdkUrl: string
  /** Exact origins a session-info event may come from. */
  readonly messageOrigins: ReadonlyArray<string>
}

export interface FacebookLoginResponse {
  readonly authResponse?: { readonly code?: string | null } | null
  readonly status?: string
}

export interface FacebookSdk {
  login(callback: (response: FacebookLoginResponse) => void, options: Record<string, unknown>): void
}

const text = (value: unknown): string | null =>
  typeof value === "string" && value !== "" ? value : typeof value === "number" ? String(value) : null

/**
 * A `message` event as a session-info event: only from one of `origins` exactly, only JSON (other messages from
 * the same origins arrive too, and are ignored), only `WA_EMBEDDED_SIGNUP`.
 */
export const sessionEventOf = (event: MessageEvent, origins: ReadonlyArray<string>): SessionEvent | null => {
  if (!origins.includes(event.origin)) return null
  let data: unknown
  try {
    data = typeof event.data === "string" ? JSON.parse(event.data) : null
  } catch {
    return null
  }
  if (typeof data !== "object" || data === null) return null
  const message = data as { type?: unknown; event?: unknown; data?: unknown }
  if (message.type !== "WA_EMBEDDED_SIGNUP" || typeof message.event !== "string") return null
  const details = (typeof message.data === "object" && message.data !== null ? message.data : {}) as Record<
    string,
    unknown
  >
  if (message.event === "CANCEL") {
    return {
      kind: "cancel",
      raw: data,
      currentStep: text(details["current_step"]),
      errorMessage: text(details["error_message"]),
      errorCode: text(details["error_code"]),
      sessionId: text(details["session_id"])
    }
  }
  if (message.event === "ERROR") {
    return { kind: "error", errorMessage: text(details["error_message"]), sessionId: text(details["session_id"]) }
  }
  if (message.event.startsWith("FINISH")) return { kind: "finish", event: message.event, raw: data }
  return null
}

declare global {
  interface Window {
    FB?: FacebookSdk & { init(options: Record<string, unknown>): void }
    fbAsyncInit?: () => void
  }
}

let sdkPromise: { readonly url: string; readonly promise: Promise<FacebookSdk> } | null = null

/** Loads Meta's JS SDK (or the sandbox's stand-in) once, and initialises it with the app id. */
export const loadFacebookSdk = (config: MetaClientConfig): Promise<FacebookSdk> => {
  if (sdkPromise !== null && sdkPromise.url === config.sdkUrl) return sdkPromise.promise
  const promise = new Promise<FacebookSdk>((resolve, reject) => {
    const init = () => {
      const fb = window.FB
      if (fb === undefined) return reject(new Error("the SDK did not define FB"))
      fb.init({ appId: config.appId, autoLogAppEvents: true, xfbml: false, version: config.graphVersion })
      resolve(fb)
    }
    if (window.FB !== undefined) return init()
    window.fbAsyncInit = init
    const script = document.createElement("script")
    script.src = config.sdkUrl
    script.async = true
    script.defer = true
    script.crossOrigin = "anonymous"
    script.onerror = () => {
      sdkPromise = null
      reject(new Error("the SDK could not be loaded"))
    }
    document.head.appendChild(script)
  })
  sdkPromise = { url: config.sdkUrl, promise }
  return promise
}

/** Whether this page runs inside a frame (Meta's dialog refuses to be framed). */
export const isFramed = (): boolean => {
  try {
    return window.self !== window.top
  } catch {
    return true
  }
}
