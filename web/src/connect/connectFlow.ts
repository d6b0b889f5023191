/**
 * The connect flow every card shares (WhatsApp, Meta Ads), as one pure reducer:
 *
 *   idle → starting → awaiting Meta (popup or redirect) → completing → done | failed | cancelled
 *
 * plus `blocked` (the popup could not open, or the page is framed: the full-page redirect is the way on). Starting
 * asks the service for a state bound to this browser and Meta's dialog URL. In a popup (Embedded Signup through the
 * JS SDK, META_SPEC 1.3-1.5) the flow waits, in either order and for a bounded time, for the SDK callback's code and
 * the popup's `WA_EMBEDDED_SIGNUP` message event, then completes at the service. Through the redirect the browser
 * leaves for Meta and comes back to the callback; the page then starts in `completing` until the first fresh status
 * arrives (`settled`). `nextActions` says what the person can do in each state.
 */

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

export type ConnectState =
  | { readonly phase: "idle" }
  | { readonly phase: "starting" }
  | {
      readonly phase: "awaiting"
      readonly via: "popup"
      readonly started: StartedConnect
      /** undefined: the SDK has not called back yet; null: it called back without a code. */
      readonly code: string | null | undefined
      readonly session: SessionEvent | undefined
      /** The bounded wait for the other half ran out. */
      readonly timedOut: boolean
    }
  | { readonly phase: "awaiting"; readonly via: "redirect"; readonly authUrl: string }
  | { readonly phase: "completing"; readonly via: "popup" | "redirect" }
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

export type ConnectAction =
  | { readonly type: "start" }
  /** The popup opened (FB.login called) for this started connection. */
  | { readonly type: "started"; readonly started: StartedConnect }
  /** The browser leaves for Meta's dialog (full-page redirect). */
  | { readonly type: "redirecting"; readonly authUrl: string }
  | { readonly type: "blocked"; readonly authUrl: string; readonly why: "popup" | "iframe" }
  | { readonly type: "code"; readonly code: string | null }
  | { readonly type: "session"; readonly session: SessionEvent }
  | { readonly type: "timeout" }
  | { readonly type: "completing" }
  | { readonly type: "done"; readonly answer: CompleteAnswer }
  | { readonly type: "failed"; readonly message: string }
  /** Back from a redirect: the first fresh status has arrived. */
  | { readonly type: "settled" }
  /** The page came back from the browser's cache (Back from Meta's dialog): a redirect in flight is over. */
  | { readonly type: "back" }
  | { readonly type: "reset" }

/** What the person can do next: wait, connect, try again, or continue in this window (the redirect). */
export type NextAction = "connect" | "wait" | "retry" | "redirect"

export const idle: ConnectState = { phase: "idle" }

/** The state a card starts in: `completing` when the callback just sent the browser back with an outcome to read. */
export const initialState = (returning: boolean): ConnectState =>
  returning ? { phase: "completing", via: "redirect" } : idle

const authUrlOf = (state: ConnectState): string | null =>
  state.phase === "awaiting" ? (state.via === "popup" ? state.started.authUrl : state.authUrl) : null

/** The flow's state machine: pure, so every transition (and the order of the popup's two halves) is tested directly. */
export const connectReducer = (state: ConnectState, action: ConnectAction): ConnectState => {
  switch (action.type) {
    case "start":
      return { phase: "starting" }
    case "started":
      return {
        phase: "awaiting",
        via: "popup",
        started: action.started,
        code: undefined,
        session: undefined,
        timedOut: false
      }
    case "redirecting":
      return { phase: "awaiting", via: "redirect", authUrl: action.authUrl }
    case "blocked":
      return { phase: "blocked", authUrl: action.authUrl, why: action.why }
    case "failed":
      return { phase: "failed", message: action.message, authUrl: authUrlOf(state) }
    case "completing":
      return { phase: "completing", via: "popup" }
    case "done":
      return { phase: "done", answer: action.answer }
    case "settled":
      return state.phase === "completing" && state.via === "redirect" ? idle : state
    case "back":
      return state.phase === "starting" || (state.phase === "awaiting" && state.via === "redirect") ? idle : state
    case "reset":
      return idle
    case "code":
    case "session":
    case "timeout": {
      if (state.phase !== "awaiting" || state.via !== "popup") return state
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

/** The flow is under way: the card shows a spinner and no buttons. */
export const isBusy = (state: ConnectState): boolean =>
  state.phase === "starting" || state.phase === "awaiting" || state.phase === "completing"

/** What the person can do in `state` (a card renders one button per action). */
export const nextActions = (state: ConnectState): ReadonlyArray<NextAction> => {
  switch (state.phase) {
    case "idle":
      return ["connect"]
    case "starting":
    case "awaiting":
    case "completing":
      return ["wait"]
    case "done":
      return state.answer.outcome === "error" ? ["retry"] : []
    case "cancelled":
      return ["retry"]
    case "blocked":
      return ["redirect"]
    case "failed":
      return state.authUrl === null ? ["retry"] : ["redirect", "retry"]
  }
}

/** Where "Continue in this window" goes, when the state offers it. */
export const redirectUrl = (state: ConnectState): string | null =>
  state.phase === "blocked" || state.phase === "failed" ? state.authUrl : null

/** The completion's body once both halves are in (or the session info's wait ran out); null while waiting. */
export const readyToComplete = (
  state: ConnectState
): { readonly state: string; readonly code: string; readonly sessionInfo: unknown } | null => {
  if (state.phase !== "awaiting" || state.via !== "popup" || typeof state.code !== "string") return null
  if (state.session === undefined && !state.timedOut) return null
  return {
    state: state.started.state,
    code: state.code,
    sessionInfo: state.session?.kind === "finish" ? state.session.raw : null
  }
}
