/**
 * The sandbox's state on disk (`SandboxOptions.stateFile`): a JSON snapshot of what the emulated Meta knows
 * (businesses, WABAs, numbers, tokens, subscriptions, sent messages, settings), written shortly after each request
 * and on close, and read on start. Without it a restarted sandbox forgets the tokens the service's database still
 * holds, and every connection fails its first token check after a restart.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs"
import { dirname } from "node:path"
import type { State } from "./state.ts"

const VERSION = 1

interface Snapshot {
  readonly version: number
  readonly savedAtMs: number
  /** The sandbox clock's offset (`advanceClock`), so tokens keep the age they had. */
  readonly clockOffsetMs: number
  readonly state: unknown
}

const MAP = "__map"

const replacer = (_key: string, value: unknown): unknown =>
  value instanceof Map ? { [MAP]: [...value.entries()] } : value

const reviver = (_key: string, value: unknown): unknown =>
  typeof value === "object" && value !== null && MAP in value && Object.keys(value).length === 1
    ? new Map((value as Record<typeof MAP, Array<[unknown, unknown]>>)[MAP])
    : value

/** Writes the snapshot atomically (a temporary file renamed over the last one). */
export const saveState = (file: string, state: State, clockOffsetMs: number, nowMs: number): void => {
  const snapshot: Snapshot = { version: VERSION, savedAtMs: nowMs, clockOffsetMs, state }
  mkdirSync(dirname(file), { recursive: true })
  const temporary = `${file}.${process.pid}.tmp`
  writeFileSync(temporary, JSON.stringify(snapshot, replacer), { mode: 0o600 })
  renameSync(temporary, file)
}

export type Loaded =
  | { readonly _tag: "Missing" }
  | { readonly _tag: "Unreadable"; readonly reason: string }
  | { readonly _tag: "Loaded"; readonly state: State; readonly clockOffsetMs: number }

/**
 * The saved state with this run's app (id, secret, redirect URIs, configurations, app-level subscription: the
 * service's configuration wins) over the saved one, keeping the saved partner business and configuration scopes;
 * everything else as saved.
 */
export const loadState = (file: string, seed: State): Loaded => {
  if (!existsSync(file)) return { _tag: "Missing" }
  try {
    const snapshot = JSON.parse(readFileSync(file, "utf8"), reviver) as Snapshot
    if (snapshot.version !== VERSION) return { _tag: "Unreadable", reason: `version ${String(snapshot.version)}` }
    const saved = snapshot.state as State
    const state: State = {
      ...saved,
      app: {
        ...seed.app,
        configurationScopes: saved.app.configurationScopes,
        partnerBusinessId: saved.app.partnerBusinessId
      },
      config: { ...seed.config, ...saved.config },
      // Saved before media existed.
      media: saved.media ?? new Map(),
      mediaFailNext: saved.mediaFailNext ?? 0
    }
    return { _tag: "Loaded", state, clockOffsetMs: snapshot.clockOffsetMs }
  } catch (error) {
    return { _tag: "Unreadable", reason: error instanceof Error ? error.message : String(error) }
  }
}
