import { useEffect, useRef } from "react"

/** Calls `callback` every `ms` while the page is visible (and once when it becomes visible again). */
export function usePolling(callback: () => void, ms: number, enabled = true): void {
  const latest = useRef(callback)
  useEffect(() => {
    latest.current = callback
  }, [callback])
  useEffect(() => {
    if (!enabled) return
    const tick = () => {
      if (document.visibilityState === "visible") latest.current()
    }
    const timer = setInterval(tick, ms)
    document.addEventListener("visibilitychange", tick)
    return () => {
      clearInterval(timer)
      document.removeEventListener("visibilitychange", tick)
    }
  }, [ms, enabled])
}
