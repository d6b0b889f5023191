import { describe, expect, it } from "vitest"
import {
  type ConnectAction,
  type ConnectState,
  connectReducer,
  idle,
  initialState,
  isBusy,
  nextActions,
  readyToComplete,
  redirectUrl
} from "./connectFlow.ts"

const started = { authUrl: "https://www.facebook.com/v25.0/dialog/oauth?state=s1", state: "s1" }
const run = (...actions: ReadonlyArray<ConnectAction>): ConnectState => actions.reduce(connectReducer, idle)
const finish = { kind: "finish", event: "FINISH", raw: { type: "WA_EMBEDDED_SIGNUP", event: "FINISH" } } as const

describe("connectReducer: the connect flow both cards share", () => {
  it("starts idle, offering to connect; back from the callback it starts completing", () => {
    expect(initialState(false)).toEqual({ phase: "idle" })
    expect(nextActions(initialState(false))).toEqual(["connect"])
    expect(initialState(true)).toEqual({ phase: "completing", via: "redirect" })
    expect(isBusy(initialState(true))).toBe(true)
  })

  it("redirect: idle → starting → awaiting Meta (redirect); the first fresh status after the return settles it", () => {
    const starting = run({ type: "start" })
    expect(starting).toEqual({ phase: "starting" })
    expect(nextActions(starting)).toEqual(["wait"])
    const awaiting = connectReducer(starting, { type: "redirecting", authUrl: started.authUrl })
    expect(awaiting).toEqual({ phase: "awaiting", via: "redirect", authUrl: started.authUrl })
    expect(isBusy(awaiting)).toBe(true)
    expect(nextActions(awaiting)).toEqual(["wait"])
    expect(connectReducer(initialState(true), { type: "settled" })).toEqual({ phase: "idle" })
  })

  it("settled ends only a return from the redirect, not a flow under way", () => {
    for (const state of [
      run({ type: "start" }),
      run({ type: "start" }, { type: "redirecting", authUrl: "u" }),
      run({ type: "start" }, { type: "started", started }),
      run({ type: "start" }, { type: "started", started }, { type: "completing" })
    ]) {
      expect(connectReducer(state, { type: "settled" })).toBe(state)
    }
  })

  it("Back from Meta's dialog (the page restored from the cache) ends a redirect in flight, nothing else", () => {
    expect(run({ type: "start" }, { type: "back" })).toEqual({ phase: "idle" })
    expect(run({ type: "start" }, { type: "redirecting", authUrl: "u" }, { type: "back" })).toEqual({ phase: "idle" })
    const blocked = run({ type: "start" }, { type: "blocked", authUrl: "u", why: "popup" })
    expect(connectReducer(blocked, { type: "back" })).toBe(blocked)
    const popup = run({ type: "start" }, { type: "started", started })
    expect(connectReducer(popup, { type: "back" })).toBe(popup)
  })

  it("a failed start is failed with no redirect to offer: the next action is Try again", () => {
    const failed = run({ type: "start" }, { type: "failed", message: "Too many connection attempts." })
    expect(failed).toEqual({ phase: "failed", message: "Too many connection attempts.", authUrl: null })
    expect(isBusy(failed)).toBe(false)
    expect(nextActions(failed)).toEqual(["retry"])
    expect(redirectUrl(failed)).toBeNull()
  })

  it("popup: awaiting both halves → completing → done; an error answer offers Try again, success nothing", () => {
    const awaiting = run({ type: "start" }, { type: "started", started })
    expect(awaiting).toMatchObject({ phase: "awaiting", via: "popup", code: undefined, session: undefined })
    expect(readyToComplete(awaiting)).toBeNull()
    const both = run(
      { type: "start" },
      { type: "started", started },
      { type: "code", code: "c" },
      {
        type: "session",
        session: finish
      }
    )
    expect(readyToComplete(both)).toEqual({ state: "s1", code: "c", sessionInfo: finish.raw })
    const completing = connectReducer(both, { type: "completing" })
    expect(completing).toEqual({ phase: "completing", via: "popup" })
    expect(nextActions(completing)).toEqual(["wait"])
    const done = connectReducer(completing, { type: "done", answer: { outcome: "connected" } })
    expect(done).toEqual({ phase: "done", answer: { outcome: "connected" } })
    expect(isBusy(done)).toBe(false)
    expect(nextActions(done)).toEqual([])
    expect(nextActions(connectReducer(completing, { type: "done", answer: { outcome: "pending" } }))).toEqual([])
    expect(
      nextActions(connectReducer(completing, { type: "done", answer: { outcome: "error", reason: "state_used" } }))
    ).toEqual(["retry"])
  })

  it("a failed completion keeps no redirect (the state is spent); a popup failure while awaiting offers it", () => {
    const completing = run({ type: "start" }, { type: "started", started }, { type: "completing" })
    expect(connectReducer(completing, { type: "failed", message: "network" })).toEqual({
      phase: "failed",
      message: "network",
      authUrl: null
    })
    const awaiting = run({ type: "start" }, { type: "started", started })
    const failed = connectReducer(awaiting, { type: "failed", message: "x" })
    expect(failed).toEqual({ phase: "failed", message: "x", authUrl: started.authUrl })
    expect(nextActions(failed)).toEqual(["redirect", "retry"])
    expect(redirectUrl(failed)).toBe(started.authUrl)
  })

  it("a popup that cannot open is blocked: the next action is the redirect", () => {
    const blocked = run({ type: "start" }, { type: "blocked", authUrl: started.authUrl, why: "iframe" })
    expect(blocked).toEqual({ phase: "blocked", authUrl: started.authUrl, why: "iframe" })
    expect(nextActions(blocked)).toEqual(["redirect"])
    expect(redirectUrl(blocked)).toBe(started.authUrl)
  })

  it("a CANCEL event cancels, whatever came before; the next action is Try again", () => {
    const cancelled = run(
      { type: "start" },
      { type: "started", started },
      { type: "code", code: "c" },
      {
        type: "session",
        session: { kind: "cancel", raw: {}, currentStep: "WABA", errorMessage: null, errorCode: null, sessionId: null }
      }
    )
    expect(cancelled).toEqual({
      phase: "cancelled",
      currentStep: "WABA",
      errorMessage: null,
      errorCode: null,
      sessionId: null
    })
    expect(nextActions(cancelled)).toEqual(["retry"])
    expect(readyToComplete(cancelled)).toBeNull()
  })

  it("the popup's halves and its timeout mean nothing outside a popup wait", () => {
    const redirect = run({ type: "start" }, { type: "redirecting", authUrl: "u" })
    for (const action of [
      { type: "code", code: "c" },
      { type: "session", session: finish },
      { type: "timeout" }
    ] as const) {
      expect(connectReducer(redirect, action)).toBe(redirect)
      expect(connectReducer(idle, action)).toBe(idle)
    }
  })

  it("the first session event counts; a later one does not replace it", () => {
    const state = run(
      { type: "start" },
      { type: "started", started },
      { type: "session", session: finish },
      { type: "session", session: { kind: "finish", event: "FINISH_ONLY_WABA", raw: "later" } },
      { type: "code", code: "c" }
    )
    expect(readyToComplete(state)).toEqual({ state: "s1", code: "c", sessionInfo: finish.raw })
  })

  it("reset goes back to idle from any state", () => {
    for (const state of [
      run({ type: "start" }),
      run({ type: "start" }, { type: "failed", message: "m" }),
      run({ type: "start" }, { type: "blocked", authUrl: "u", why: "popup" }),
      initialState(true)
    ]) {
      expect(connectReducer(state, { type: "reset" })).toEqual({ phase: "idle" })
    }
  })
})
