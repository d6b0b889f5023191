/**
 * Meta's Embedded Signup v4 through the JS SDK popup (META_SPEC 1.3-1.5), as one reducer: start a connection (a
 * state bound to this browser), `FB.login` with the configuration id, then wait, in either order and for a bounded
 * time, for the SDK callback's code and the popup's `WA_EMBEDDED_SIGNUP` message event; then post both to the
 * service. A blocked popup (or a page inside an iframe, which Meta's dialog refuses) ends in `blocked`, offering the
 * full-page redirect ("Continue in this window"). Usable by any card (WhatsApp today, Meta Ads later).
 */
import { useCallback, useEffect, useReducer, useRef } from "react"

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

export interface StartedConnect {
  readonly authUrl: string
  readonly state: string
}

export interface CompleteAnswer {
  readonly outcome: "connected" | "pending" | "error"
  readonly reason?: string | null
}

/** What the popup's session-info event said. */
export type SessionEvent =
  | { readonly kind: "finish"; readonly event: string; readonly raw: unknown }
  | {
      readonly kind: "cancel"
      /** The event as Meta posted it, for the service (it records the cancel). */
      readonly raw: unknown
      readonly currentStep: string | null
      readonly errorMessage: string | null
      readonly errorCode: string | null
      readonly sessionId: string | null
    }
  | { readonly kind: "error"; readonly errorMessage: string | null; readonly sessionId: string | null }

export type SignupState =
  | { readonly phase: "idle" }
  | { readonly phase: "starting" }
  | {
      readonly phase: "waiting"
      readonly started: StartedConnect
      /** undefined: the SDK has not called back yet; null: it called back without a code. */
      readonly code: string | null | undefined
      readonly session: SessionEvent | undefined
      /** The bounded wait for the other half ran out. */
      readonly timedOut: boolean
    }
  | { readonly phase: "completing" }
  | { readonly phase: "done"; readonly answer: CompleteAnswer }
  | {
      readonly phase: "cancelled"
      readonly currentStep: string | null
      readonly errorMessage: string | null
      readonly errorCode: string | null
      readonly sessionId: string | null
    }
  | { readonly phase: "blocked"; readonly authUrl: string; readonly why: "popup" | "iframe" }
  | { readonly phase: "failed"; readonly message: string; readonly authUrl: string | null }

export type SignupAction =
  | { readonly type: "start" }
  | { readonly type: "started"; readonly started: StartedConnect }
  | { readonly type: "blocked"; readonly authUrl: string; readonly why: "popup" | "iframe" }
  | { readonly type: "code"; readonly code: string | null }
  | { readonly type: "session"; readonly session: SessionEvent }
  | { readonly type: "timeout" }
  | { readonly type: "completing" }
  | { readonly type: "done"; readonly answer: CompleteAnswer }
  | { readonly type: "failed"; readonly message: string }
  | { readonly type: "reset" }

const authUrlOf = (state: SignupState): string | null => (state.phase === "waiting" ? state.started.authUrl : null)

/** The popup flow's state machine: pure, so the order of the two halves can be tested directly. */
export const signupReducer = (state: SignupState, action: SignupAction): SignupState => {
  switch (action.type) {
    case "start":
      return { phase: "starting" }
    case "started":
      return { phase: "waiting", started: action.started, code: undefined, session: undefined, timedOut: false }
    case "blocked":
      return { phase: "blocked", authUrl: action.authUrl, why: action.why }
    case "failed":
      return { phase: "failed", message: action.message, authUrl: authUrlOf(state) }
    case "completing":
      return { phase: "completing" }
    case "done":
      return { phase: "done", answer: action.answer }
    case "reset":
      return { phase: "idle" }
    case "code":
    case "session":
    case "timeout": {
      if (state.phase !== "waiting") return state
      const next =
        action.type === "code"
          ? { ...state, code: action.code }
          : action.type === "session"
            ? { ...state, session: state.session ?? action.session }
            : { ...state, timedOut: true }
      const session = next.session
      if (session?.kind === "cancel") {
        return {
          phase: "cancelled",
          currentStep: session.currentStep,
          errorMessage: session.errorMessage,
          errorCode: session.errorCode,
          sessionId: session.sessionId
        }
      }
      if (session?.kind === "error") {
        return {
          phase: "failed",
          message:
            session.errorMessage === null
              ? "Meta reported an error in its window."
              : `Meta said: ${session.errorMessage}${session.sessionId === null ? "" : ` (session ${session.sessionId}; give it to support)`}`,
          authUrl: state.started.authUrl
        }
      }
      // The SDK called back without a code and no event came: the popup never opened (blocked) or Meta's window
      // gave up without a word (RapidPro #6775): the redirect is the way on.
      if (next.code === null && (session === undefined || next.timedOut)) {
        return next.timedOut ? { phase: "blocked", authUrl: state.started.authUrl, why: "popup" } : next
      }
      if (next.code === undefined && session !== undefined && next.timedOut) {
        return {
          phase: "failed",
          message: "Meta's window finished without handing over the connection.",
          authUrl: state.started.authUrl
        }
      }
      return next
    }
  }
}

/** The completion's body once both halves are in (or the session info's wait ran out); null while waiting. */
export const readyToComplete = (
  state: SignupState
): { readonly state: string; readonly code: string; readonly sessionInfo: unknown } | null => {
  if (state.phase !== "waiting" || typeof state.code !== "string") return null
  if (state.session === undefined && !state.timedOut) return null
  return {
    state: state.started.state,
    code: state.code,
    sessionInfo: state.session?.kind === "finish" ? state.session.raw : null
  }
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

export interface EmbeddedSignupOptions {
  /** Null: no popup flow (the card uses the redirect). */
  readonly config: MetaClientConfig | null
  /** Starts a connection at the service: the dialog URL and its state; a string is an error to show. */
  readonly start: () => Promise<StartedConnect | string>
  /** Posts `{state, code, sessionInfo}` to the service. */
  readonly complete: (body: { state: string; code: string; sessionInfo: unknown }) => Promise<CompleteAnswer>
  /**
   * Tells the service the person cancelled in Meta's window (`{state, code: null, sessionInfo: <CANCEL>}`, the same
   * endpoint as `complete`): the flow ends as a cancel there too, with its state spent and its binding expired.
   */
  readonly reportCancel?: (body: { state: string; code: null; sessionInfo: unknown }) => Promise<unknown>
  readonly onDone?: (answer: CompleteAnswer) => void
  readonly loadSdk?: (config: MetaClientConfig) => Promise<FacebookSdk>
  /** How long to wait for the other half once one arrived (the code lives 30 s). Default 5 s. */
  readonly waitMs?: number
  /** Whether this page runs inside a frame (Meta's dialog refuses to be framed). */
  readonly framed?: () => boolean
}

const isFramed = () => {
  try {
    return window.self !== window.top
  } catch {
    return true
  }
}

/** The popup flow for one card: `connect()` from a click handler. */
export const useEmbeddedSignup = (options: EmbeddedSignupOptions) => {
  const [state, dispatch] = useReducer(signupReducer, { phase: "idle" } as SignupState)
  const { config, waitMs = 5000 } = options
  const latest = useRef(options)
  latest.current = options
  const load = options.loadSdk ?? loadFacebookSdk

  // Load the SDK before the click, so FB.login runs while the click still counts as a user gesture.
  useEffect(() => {
    if (config !== null) load(config).catch(() => {})
  }, [config, load])

  const waiting = state.phase === "waiting"
  const startedState = state.phase === "waiting" ? state.started.state : null
  // The message listener lives while a login waits; only Meta's exact origins are heard.
  useEffect(() => {
    if (!waiting || config === null) return
    let reported = false
    const onMessage = (event: MessageEvent) => {
      const session = sessionEventOf(event, config.messageOrigins)
      if (session === null) return
      if (session.kind === "cancel" && !reported && startedState !== null) {
        reported = true
        latest.current.reportCancel?.({ state: startedState, code: null, sessionInfo: session.raw }).catch(() => {})
      }
      dispatch({ type: "session", session })
    }
    window.addEventListener("message", onMessage)
    return () => window.removeEventListener("message", onMessage)
  }, [waiting, config, startedState])

  // Bounded wait: once one half is in, the other has `waitMs`.
  const halves = state.phase === "waiting" ? `${state.code !== undefined}-${state.session !== undefined}` : ""
  useEffect(() => {
    if (halves === "" || halves === "false-false") return
    const timer = setTimeout(() => dispatch({ type: "timeout" }), waitMs)
    return () => clearTimeout(timer)
  }, [halves, waitMs])

  const body = readyToComplete(state)
  const completing = useRef(false)
  useEffect(() => {
    if (body === null || completing.current) return
    completing.current = true
    dispatch({ type: "completing" })
    latest.current
      .complete(body)
      .then(
        (answer) => {
          dispatch({ type: "done", answer })
          latest.current.onDone?.(answer)
        },
        () =>
          dispatch({ type: "failed", message: "Could not finish the connection. Check your network and try again." })
      )
      .finally(() => {
        completing.current = false
      })
  }, [body])

  const connect = useCallback(async () => {
    const current = latest.current
    if (current.config === null) return
    dispatch({ type: "start" })
    const started = await current.start()
    if (typeof started === "string") return dispatch({ type: "failed", message: started })
    if ((current.framed ?? isFramed)()) return dispatch({ type: "blocked", authUrl: started.authUrl, why: "iframe" })
    let sdk: FacebookSdk
    try {
      sdk = await load(current.config)
    } catch {
      return dispatch({ type: "blocked", authUrl: started.authUrl, why: "popup" })
    }
    dispatch({ type: "started", started })
    try {
      sdk.login((response) => dispatch({ type: "code", code: response.authResponse?.code ?? null }), {
        config_id: current.config.configId,
        response_type: "code",
        override_default_response_type: true,
        extras: { setup: {}, sessionInfoVersion: "3" }
      })
    } catch {
      dispatch({ type: "blocked", authUrl: started.authUrl, why: "popup" })
    }
  }, [load])

  const reset = useCallback(() => dispatch({ type: "reset" }), [])
  return { state, connect, reset }
}

/** `POST /api/integrations/meta/whatsapp/complete` with the session's bearer token and the binding cookie. */
export const completeWhatsApp =
  (token: string, fetchImpl: typeof fetch = fetch) =>
  async (body: { state: string; code: string | null; sessionInfo: unknown }): Promise<CompleteAnswer> => {
    const response = await fetchImpl("/api/integrations/meta/whatsapp/complete", {
      method: "POST",
      credentials: "same-origin",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`complete: HTTP ${response.status}`)
    return (await response.json()) as CompleteAnswer
  }
