import { type ChangeEvent, useEffect, useRef, useState } from "react"
import { useMutation } from "urql"
import { type FragmentType, graphql, useFragment as readFragment, useFragment } from "../gql/index.ts"
import { readSession } from "../shared/session.ts"

/**
 * What a message is beyond its text (issue 17.3): an image inline, audio and video players, a document to
 * download, "media not yet available" while it is fetched, a location, shared contacts, a chosen reply, and the
 * reactions to it (a reaction is shown on its message, never as a bubble of its own).
 */

export const MessageContentFields = graphql(`
  fragment MessageContentFields on Message {
    id
    providerMessageId
    type
    text
    media {
      kind
      state
      url
      caption
      filename
    }
    reaction {
      targetProviderMessageId
      emoji
    }
    referral {
      sourceType
      headline
      sourceUrl
    }
  }
`)

/** The media's bytes as an object URL: `/api/media/{id}` needs the bearer token, which an `<img src>` cannot send. */
const useMediaUrl = (url: string | null) => {
  const [objectUrl, setObjectUrl] = useState<string | null>(null)
  const [failed, setFailed] = useState(false)
  useEffect(() => {
    if (url === null) return
    let created: string | null = null
    let cancelled = false
    const token = readSession()?.token
    fetch(url, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
      .then(async (response) => {
        if (!response.ok) throw new Error(String(response.status))
        const blob = await response.blob()
        if (cancelled) return
        created = URL.createObjectURL(blob)
        setObjectUrl(created)
      })
      .catch(() => {
        if (!cancelled) setFailed(true)
      })
    return () => {
      cancelled = true
      if (created !== null) URL.revokeObjectURL(created)
    }
  }, [url])
  return { objectUrl, failed }
}

type Content = ReturnType<typeof useContent>
const useContent = (ref: FragmentType<typeof MessageContentFields>) => useFragment(MessageContentFields, ref)

function Media({ media }: { readonly media: NonNullable<Content["media"]> }) {
  const { objectUrl, failed } = useMediaUrl(media.state === "AVAILABLE" ? media.url : null)
  if (media.state === "PENDING")
    return <p className="media-missing">Media not yet available: it is being fetched from WhatsApp…</p>
  if (media.state === "FAILED")
    return (
      <p className="media-missing">
        This {media.kind} could not be fetched from WhatsApp . Ask the customer to send it again.
      </p>
    )
  if (failed)
    return <p className="media-missing">The {media.kind} could not be loaded. Reload the page to try again.</p>
  if (objectUrl === null) return <p className="media-missing">Loading the {media.kind}…</p>
  switch (media.kind) {
    case "image":
    case "sticker":
      return (
        <a href={objectUrl} target="_blank" rel="noreferrer">
          <img className={`media-${media.kind}`} src={objectUrl} alt={media.caption ?? `${media.kind} from the chat`} />
        </a>
      )
    case "audio":
      // biome-ignore lint/a11y/useMediaCaption: a customer's voice note has no captions to offer
      return <audio className="media-audio" controls src={objectUrl} />
    case "video":
      // biome-ignore lint/a11y/useMediaCaption: a customer's video has no captions to offer
      return <video className="media-video" controls src={objectUrl} />
    default:
      return (
        <a className="media-document" href={objectUrl} download={media.filename ?? "document"}>
          Download {media.filename ?? "the document"}
        </a>
      )
  }
}

/**
 * The ad or post a contact tapped before writing (Click-to-WhatsApp), above the message it came with. It says
 * nothing about the window: free text still goes only within 24 hours of the contact's last message.
 */
function Referral({ referral }: { readonly referral: NonNullable<Content["referral"]> }) {
  const what = referral.sourceType === "post" ? "your post" : "your ad"
  const title = referral.headline === null ? null : `“${referral.headline}”`
  const link = referral.sourceUrl !== null && /^https:\/\//.test(referral.sourceUrl) ? referral.sourceUrl : null
  return (
    <p className="message-referral">
      Came from {what}
      {title === null ? null : (
        <>
          {" "}
          {link === null ? (
            title
          ) : (
            <a href={link} target="_blank" rel="noreferrer">
              {title}
            </a>
          )}
        </>
      )}
    </p>
  )
}

/** The message's body: media, location, contacts, reply, or its text (with the ad it came from, if any). */
export function MessageBody({ message: ref }: { readonly message: FragmentType<typeof MessageContentFields> }) {
  const message = useContent(ref)
  const referral = message.referral ? <Referral referral={message.referral} /> : null
  if (message.media !== null && message.media !== undefined)
    return (
      <>
        {referral}
        <Media media={message.media} />
        {message.media.caption ? <p className="message-text">{message.media.caption}</p> : null}
      </>
    )
  return (
    <>
      {referral}
      <p className="message-text">{message.text ?? `(${message.type} message)`}</p>
    </>
  )
}

/** The reactions of a page of messages, by the wamid they react to (the latest per message wins; removed: none). */
/**
 * Whether a message's media is still being fetched from WhatsApp: its arrival announces no event, so the thread
 * keeps polling while one is pending, live updates or not.
 */
export const awaitsMedia = (messages: ReadonlyArray<FragmentType<typeof MessageContentFields>>): boolean =>
  messages.some((ref) => readFragment(MessageContentFields, ref).media?.state === "PENDING")

export const reactionsOf = (
  messages: ReadonlyArray<FragmentType<typeof MessageContentFields>>
): ReadonlyMap<string, string> => {
  const byTarget = new Map<string, string>()
  for (const ref of messages) {
    const message = readFragment(MessageContentFields, ref)
    if (message.reaction === null || message.reaction === undefined) continue
    if (message.reaction.emoji === null || message.reaction.emoji === undefined)
      byTarget.delete(message.reaction.targetProviderMessageId)
    else byTarget.set(message.reaction.targetProviderMessageId, message.reaction.emoji)
  }
  return byTarget
}

/** Whether a message is a reaction (shown on its target instead of as a bubble). */
export const isReaction = (ref: FragmentType<typeof MessageContentFields>): boolean =>
  readFragment(MessageContentFields, ref).type === "reaction"

const SendMediaMutation = graphql(`
  mutation SendWhatsAppMedia($input: SendMediaInput!) {
    sendWhatsAppMedia(input: $input) {
      __typename
      ... on SendWhatsAppMediaSuccess {
        sent: message {
          id
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

const toBase64 = (file: File) =>
  new Promise<string>((resolve, reject) => {
    const reader = new FileReader()
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""))
    reader.onerror = () => reject(reader.error)
    reader.readAsDataURL(file)
  })

/** "Attach": sends a JPEG/PNG image or a document (up to 16 MB here) to `to`. */
export function AttachButton({
  to,
  disabled,
  onSent,
  onError
}: {
  readonly to: string
  readonly disabled: boolean
  readonly onSent: () => void
  readonly onError: (message: string | null) => void
}) {
  const input = useRef<HTMLInputElement>(null)
  const [state, send] = useMutation(SendMediaMutation)
  const onChange = async (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0]
    event.target.value = ""
    if (file === undefined) return
    if (file.size > 16 * 1024 * 1024) return onError("Files over 16 MB cannot be attached here.")
    onError(null)
    const kind = file.type === "image/jpeg" || file.type === "image/png" ? "IMAGE" : "DOCUMENT"
    const result = await send({
      input: { to, kind, base64: await toBase64(file), filename: file.name, idempotencyKey: crypto.randomUUID() }
    })
    const data = result.data?.sendWhatsAppMedia
    if (data === undefined) onError(result.error?.graphQLErrors[0]?.message ?? "The file was not sent. Try again.")
    else if (data.__typename === "SendWhatsAppMediaSuccess") onSent()
    else onError("message" in data ? data.message : "The file was not sent. Try again.")
  }
  return (
    <>
      <input
        ref={input}
        type="file"
        className="visually-hidden"
        aria-label="Attach an image or document"
        accept="image/jpeg,image/png,application/pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt"
        onChange={(event) => void onChange(event)}
        disabled={disabled || state.fetching}
      />
      <button
        type="button"
        className="button"
        disabled={disabled || state.fetching || to === ""}
        onClick={() => input.current?.click()}
      >
        {state.fetching ? "Attaching…" : "Attach"}
      </button>
    </>
  )
}
