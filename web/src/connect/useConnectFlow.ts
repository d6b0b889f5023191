/**
 * The connect flow for one card (`connectReducer` in `connectFlow.ts`): `connect()` from a click handler starts a
 * connection at the service, then opens Meta's dialog in a popup (Embedded Signup through the JS SDK, when `config`
 * is given) or sends the browser there (the full-page redirect). A blocked popup (or a page inside an iframe, which
 * Meta's dialog refuses) ends in `blocked`, offering the redirect ("Continue in this window").
 */
import { useCallback, useEffect, useReducer, useRef } from "react"
import {
  type CompleteAnswer,
  type ConnectState,
  connectReducer,
  initialState,
  readyToComplete,
  type StartedConnect
} from "./connectFlow.ts"
import { type FacebookSdk, isFramed, loadFacebookSdk, type MetaClientConfig, sessionEventOf } from "./metaSdk.ts"

export interface ConnectFlowOptions {
  /** Null: no popup flow (the card uses the redirect). */
  readonly config: MetaClientConfig | null
  /** Starts a connection at the service: the dialog URL and its state; a string is an error to show. */
  readonly start: () => Promise<StartedConnect | string>
  /** Posts `{state, code, sessionInfo}` to the service (popup only). */
  readonly complete?: (body: { state: string; code: string; sessionInfo: unknown }) => Promise<CompleteAnswer>
  /**
   * Tells the service the person cancelled in Meta's window (`{state, code: null, sessionInfo: <CANCEL>}`, the same
   * endpoint as `complete`): the flow ends as a cancel there too, with its state spent and its binding expired.
   */
  readonly reportCancel?: (body: { state: string; code: null; sessionInfo: unknown }) => Promise<unknown>
  readonly onDone?: (answer: CompleteAnswer) => void
  /** Full-page navigation to Meta's dialog (the redirect). */
  readonly navigate?: ((url: string) => void) | undefined
  /** The callback just sent the browser back with an outcome: start in `completing` until `settled()`. */
  readonly returning?: boolean
  /** The page came back from the browser's cache (Back from Meta's dialog). */
  readonly onBack?: () => void
  readonly loadSdk?: (config: MetaClientConfig) => Promise<FacebookSdk>
  /** How long to wait for the other half once one arrived (the code lives 30 s). Default 5 s. */
  readonly waitMs?: number
  /** Whether this page runs inside a frame (Meta's dialog refuses to be framed). */
  readonly framed?: () => boolean
}

const assign = (url: string) => window.location.assign(url)

export const useConnectFlow = (options: ConnectFlowOptions) => {
  const [state, dispatch] = useReducer(connectReducer, options.returning ?? false, initialState)
  const { config, waitMs = 5000 } = options
  const latest = useRef(options)
  latest.current = options
  const load = options.loadSdk ?? loadFacebookSdk

  // Load the SDK before the click, so FB.login runs while the click still counts as a user gesture.
  useEffect(() => {
    if (config !== null) load(config).catch(() => {})
  }, [config, load])

  // Coming back with the browser's Back button from Meta's dialog restores this page from the cache: a redirect
  // in flight is over (stop spinning), and the card may ask for the status again.
  useEffect(() => {
    const onShow = (event: PageTransitionEvent) => {
      if (!event.persisted) return
      dispatch({ type: "back" })
      latest.current.onBack?.()
    }
    window.addEventListener("pageshow", onShow)
    return () => window.removeEventListener("pageshow", onShow)
  }, [])

  const waiting = state.phase === "awaiting" && state.via === "popup"
  const startedState = state.phase === "awaiting" && state.via === "popup" ? state.started.state : null
  // The message listener lives while a popup login waits; only Meta's exact origins are heard.
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
  const halves =
    state.phase === "awaiting" && state.via === "popup"
      ? `${state.code !== undefined}-${state.session !== undefined}`
      : ""
  useEffect(() => {
    if (halves === "" || halves === "false-false") return
    const timer = setTimeout(() => dispatch({ type: "timeout" }), waitMs)
    return () => clearTimeout(timer)
  }, [halves, waitMs])

  const body = readyToComplete(state)
  const completing = useRef(false)
  useEffect(() => {
    const complete = latest.current.complete
    if (body === null || completing.current || complete === undefined) return
    completing.current = true
    dispatch({ type: "completing" })
    complete(body)
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
    dispatch({ type: "start" })
    const started = await current.start()
    if (typeof started === "string") return dispatch({ type: "failed", message: started })
    if (current.config === null) {
      dispatch({ type: "redirecting", authUrl: started.authUrl })
      return (current.navigate ?? assign)(started.authUrl)
    }
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
  const settled = useCallback(() => dispatch({ type: "settled" }), [])
  return { state: state as ConnectState, connect, reset, settled }
}
