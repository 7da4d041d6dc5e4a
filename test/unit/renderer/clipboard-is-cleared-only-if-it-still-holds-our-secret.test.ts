/**
 * The clipboard rule: a copied secret is cleared after 30 s, but only if the
 * clipboard still holds it — a person's own later copy is never destroyed. Driven
 * with fake timers (no wall-clock waits) and an in-memory clipboard.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLIPBOARD_CLEAR_AFTER_MS, copyWithAutoClear, type ClipboardLike } from '../../../src/renderer/clipboard';

class MemoryClipboard implements ClipboardLike {
  text = '';
  readable = true;
  async writeText(t: string): Promise<void> {
    this.text = t;
  }
  async readText(): Promise<string> {
    if (!this.readable) throw new Error('NotAllowedError');
    return this.text;
  }
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('copyWithAutoClear', () => {
  it('clears the clipboard 30 s after the copy when it still holds the secret', async () => {
    const clip = new MemoryClipboard();
    const pending = await copyWithAutoClear('s3cret', clip);
    expect(clip.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_AFTER_MS - 1);
    expect(clip.text).toBe('s3cret');
    await vi.advanceTimersByTimeAsync(1);
    expect(await pending.done).toBe('cleared');
    expect(clip.text).toBe('');
  });

  it('leaves the clipboard alone when the person copied something else meanwhile', async () => {
    const clip = new MemoryClipboard();
    const pending = await copyWithAutoClear('s3cret', clip);
    clip.text = 'my own text';
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_AFTER_MS);
    expect(await pending.done).toBe('changed');
    expect(clip.text).toBe('my own text');
  });

  it('does nothing after cancel (a newer copy took over)', async () => {
    const clip = new MemoryClipboard();
    const first = await copyWithAutoClear('first', clip);
    first.cancel();
    await clip.writeText('first'); // even if the value happens to be back
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_AFTER_MS * 2);
    expect(await first.done).toBe('cancelled');
    expect(clip.text).toBe('first');
  });

  it('clears anyway when the clipboard cannot be read back (a lingering secret is worse)', async () => {
    const clip = new MemoryClipboard();
    clip.readable = false;
    const pending = await copyWithAutoClear('s3cret', clip);
    await vi.advanceTimersByTimeAsync(CLIPBOARD_CLEAR_AFTER_MS);
    expect(await pending.done).toBe('cleared_unverified');
    expect(clip.text).toBe('');
  });

  it('reports when the clear will happen so the UI can count down', async () => {
    vi.setSystemTime(1_000_000);
    const pending = await copyWithAutoClear('x', new MemoryClipboard());
    expect(pending.clearsAt).toBe(1_000_000 + CLIPBOARD_CLEAR_AFTER_MS);
    pending.cancel();
  });
});
