import { eventually } from "./Eventually.ts"

type Control = (path: string, body?: unknown) => Promise<Record<string, unknown>>
type Query = (query: string) => Promise<Record<string, unknown>>

/**
 * The contact writes to the tenant's number (the sandbox's signed inbound webhook) and the service has stored it,
 * so the 24-hour customer service window for free text is open (on Meta and in the sandbox, which enforces it).
 * `waId` is the key WhatsApp gives the contact when it differs from the typed number (Brazil, Mexico).
 */
export const contactWrites = async (
  control: Control,
  query: Query,
  from: string,
  options: { readonly text?: string; readonly waId?: string; readonly referral?: Record<string, unknown> } = {}
): Promise<{ readonly windowClosesAt: string }> => {
  const connection = (await query("{ whatsappConnection { phoneNumberId } }"))["whatsappConnection"] as {
    phoneNumberId: string
  }
  const inbound = await control("inbound", {
    phoneNumberId: connection.phoneNumberId,
    from,
    text: options.text ?? "Hello",
    ...(options.referral === undefined ? {} : { referral: options.referral })
  })
  if (inbound["deliveryStatus"] !== 200) throw new Error(`the inbound webhook answered ${inbound["deliveryStatus"]}`)
  const waId = options.waId ?? from.replace(/\D/g, "")
  const since = Date.now() - 60_000
  return eventually(async () => {
    const data = (await query("{ conversations(first: 100) { edges { node { waId windowClosesAt } } } }")) as {
      conversations: { edges: Array<{ node: { waId: string; windowClosesAt: string | null } }> }
    }
    const node = data.conversations.edges.find((edge) => edge.node.waId === waId)?.node
    return node?.windowClosesAt != null && Date.parse(node.windowClosesAt) > since + 24 * 3600 * 1000
      ? { windowClosesAt: node.windowClosesAt }
      : undefined
  }, `the inbound message from ${from}`)
}
