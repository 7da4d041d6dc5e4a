/**
 * The app's keyboard shortcuts: one table (the help overlay lists it) and one pure
 * function from a key event to an action. Single keys work only when no text field has
 * the focus, so typing "n" in a title never makes a new item; Ctrl/⌘+F and Escape work
 * everywhere.
 */
export type ShortcutAction = 'search' | 'new' | 'copy-username' | 'copy-password' | 'lock' | 'help' | 'close';

export interface Shortcut {
  readonly action: ShortcutAction;
  /** As shown in the help overlay. */
  readonly keys: readonly string[];
  readonly does: string;
}

export const SHORTCUTS: readonly Shortcut[] = [
  { action: 'search', keys: ['/', 'Ctrl/⌘ F'], does: 'Search items' },
  { action: 'new', keys: ['N'], does: 'New item (of the kind chosen beside New)' },
  { action: 'copy-username', keys: ['U'], does: 'Copy the selected item’s username' },
  { action: 'copy-password', keys: ['P'], does: 'Copy the selected item’s password or secret' },
  { action: 'lock', keys: ['L'], does: 'Lock Latchkey' },
  { action: 'help', keys: ['?'], does: 'Show these shortcuts' },
  { action: 'close', keys: ['Esc'], does: 'Close this list' },
];

/** The subset of KeyboardEvent this reads (tests pass plain objects). */
export interface KeyLike {
  readonly key: string;
  readonly ctrlKey: boolean;
  readonly metaKey: boolean;
  readonly altKey: boolean;
  readonly target: unknown;
}

function typingIn(target: unknown): boolean {
  if (target === null || typeof target !== 'object') return false;
  const el = target as { tagName?: unknown; isContentEditable?: unknown; type?: unknown };
  if (el.isContentEditable === true) return true;
  const tag = typeof el.tagName === 'string' ? el.tagName.toUpperCase() : '';
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  // Check boxes and buttons take no text: a shortcut there is not a typed letter.
  return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color', 'file'].includes(typeof el.type === 'string' ? el.type : 'text');
}

export function shortcutFor(e: KeyLike): ShortcutAction | null {
  if (e.key === 'Escape') return 'close';
  if ((e.ctrlKey || e.metaKey) && !e.altKey && e.key.toLowerCase() === 'f') return 'search';
  if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return null;
  switch (e.key) {
    case '/':
      return 'search';
    case '?':
      return 'help';
    case 'n':
    case 'N':
      return 'new';
    case 'u':
    case 'U':
      return 'copy-username';
    case 'p':
    case 'P':
      return 'copy-password';
    case 'l':
    case 'L':
      return 'lock';
    default:
      return null;
  }
}
