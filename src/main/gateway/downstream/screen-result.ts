/**
 * A downstream server's result on its way to the agent: every string in it (keys too)
 * through the one result path (tools/screen.ts: vault scrub, canaries, DLP) in ONE
 * call, the structure kept, and MCP's base64 blobs kept VALID: an image's or audio
 * clip's `data` and an embedded resource's `blob` are decoded first. A blob that is
 * UTF-8 text is screened as that text and re-encoded; a binary blob is screened as its
 * bytes (one Latin-1 character each, as the scrubber's byte views read them) and, if
 * anything in it had to be redacted, the whole content item is withheld and replaced
 * by a text item saying why (redacting inside an image would corrupt it, and a half
 * image can still show the secret). Redacting the base64 text itself, as before, made
 * it invalid and the agent's client refused the whole result (-32602).
 */
import type { AuthenticatedAgent } from '../registry';
import type { ResultSource, ToolContext } from '../tools/context';
import { dlpBlockNote, dlpWarningNote, screenTexts } from '../tools/screen';

type Piece = { kind: 'string'; text: string } | { kind: 'blob-text'; text: string } | { kind: 'blob-binary'; text: string };

export interface ScreenedResult {
  readonly result: Record<string, unknown>;
  /** Content items withheld (binary blobs that held a secret). */
  readonly withheld: number;
  /** DLP blocked the whole result. */
  readonly blocked: boolean;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The base64 blob field of a content item or embedded resource, if `obj` is one. */
function blobField(obj: Record<string, unknown>): 'data' | 'blob' | null {
  if ((obj.type === 'image' || obj.type === 'audio') && typeof obj.data === 'string') return 'data';
  if (typeof obj.blob === 'string' && typeof obj.uri === 'string') return 'blob';
  return null;
}

function decodeBlob(b64: string): Piece {
  const compact = b64.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact)) return { kind: 'string', text: b64 };
  const bytes = Buffer.from(compact, 'base64');
  try {
    return { kind: 'blob-text', text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    return { kind: 'blob-binary', text: bytes.toString('latin1') };
  }
}

function collect(value: unknown, out: Piece[]): void {
  if (typeof value === 'string') out.push({ kind: 'string', text: value });
  else if (Array.isArray(value)) for (const v of value) collect(v, out);
  else if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const blob = blobField(obj);
    for (const [k, v] of Object.entries(obj)) {
      out.push({ kind: 'string', text: k });
      if (k === blob) out.push(decodeBlob(v as string));
      else collect(v, out);
    }
  }
}

/** Rebuilds `value` from the screened pieces (same walk order as collect). A withheld item comes back as null. */
function rebuild(value: unknown, pieces: Piece[], clean: string[], at: { i: number; withheld: number }): unknown {
  if (typeof value === 'string') return clean[at.i++]!;
  if (Array.isArray(value)) return value.map((v) => rebuild(v, pieces, clean, at));
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    const blob = blobField(obj);
    const out: Record<string, unknown> = {};
    let withhold = false;
    for (const [k, v] of Object.entries(obj)) {
      const key = clean[at.i++]!;
      let nv: unknown;
      if (k === blob) {
        const p = pieces[at.i]!;
        const c = clean[at.i++]!;
        if (p.kind === 'blob-text') nv = c === p.text ? v : Buffer.from(c, 'utf8').toString('base64');
        else if (p.kind === 'blob-binary') {
          nv = v;
          if (c !== p.text) withhold = true;
        } else nv = c;
      } else nv = rebuild(v, pieces, clean, at);
      // defineProperty: a "__proto__" key stays a plain key.
      Object.defineProperty(out, key, { value: nv, enumerable: true, writable: true, configurable: true });
    }
    if (withhold) {
      at.withheld++;
      const what = obj.type === 'image' || obj.type === 'audio' ? `an ${obj.type}` : 'a file';
      const mime = typeof obj.mimeType === 'string' && /^[\w.+-]+\/[\w.+-]+$/.test(obj.mimeType) ? ` (${obj.mimeType})` : '';
      return { type: 'text', text: `Latchkey withheld ${what}${mime} from this result: it contained a secret or data that may not reach an agent.` };
    }
    return out;
  }
  return value;
}

export async function screenResult(ctx: ToolContext, agent: AuthenticatedAgent, source: ResultSource, result: Record<string, unknown>): Promise<ScreenedResult> {
  const pieces: Piece[] = [];
  collect(result, pieces);
  const screened = await screenTexts(
    ctx,
    agent,
    source,
    pieces.map((p) => p.text),
  );
  if (screened.blocked) {
    return { result: { content: [{ type: 'text', text: dlpBlockNote(screened.blocked) }], isError: true }, withheld: 0, blocked: true };
  }
  const at = { i: 0, withheld: 0 };
  // An embedded resource withheld becomes a text item one level up: `resource` content is replaced whole.
  let out = rebuild(result, pieces, screened.texts, at) as Record<string, unknown>;
  if (at.withheld > 0) out = liftWithheld(out);
  const warning = dlpWarningNote(screened.warnings);
  if (warning !== null && Array.isArray(out.content)) out = { ...out, content: [...(out.content as unknown[]), { type: 'text', text: warning }] };
  return { result: out, withheld: at.withheld, blocked: false };
}

/** `{ type: 'resource', resource: <withheld text item> }` → the text item itself (a valid content item). */
function liftWithheld(result: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(result.content)) return result;
  const content = (result.content as unknown[]).map((c) => {
    if (c === null || typeof c !== 'object') return c;
    const item = c as Record<string, unknown>;
    const r = item.resource as Record<string, unknown> | undefined;
    if (item.type === 'resource' && r !== undefined && r.type === 'text' && typeof r.text === 'string' && r.uri === undefined) return r;
    return c;
  });
  return { ...result, content };
}

/** Every string of a result, its blobs decoded (for the echo guard). */
export function resultTexts(result: unknown): string[] {
  const pieces: Piece[] = [];
  collect(result, pieces);
  return pieces.map((p) => p.text);
}
