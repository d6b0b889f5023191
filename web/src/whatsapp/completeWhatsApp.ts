import type { CompleteAnswer } from "../connect/connectFlow.ts"

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
