/**
 * The shortcut table's keys map to their actions; a letter typed into a text field,
 * text area, select or editable element is never a shortcut (typing "n" in a title must
 * not start a new item), while Ctrl/⌘+F and Escape work everywhere; modified letters
 * (Ctrl+P, Alt+L) are left to the browser.
 */
import { describe, expect, it } from 'vitest';
import { SHORTCUTS, shortcutFor, type KeyLike } from '../../../src/renderer/keyboard/shortcuts';

const press = (key: string, target: unknown = { tagName: 'BODY' }, mods: Partial<KeyLike> = {}): ReturnType<typeof shortcutFor> =>
  shortcutFor({ key, ctrlKey: false, metaKey: false, altKey: false, target, ...mods });

describe('keyboard shortcuts', () => {
  it('each key in the help table maps to its action', () => {
    expect(press('/')).toBe('search');
    expect(press('f', undefined, { ctrlKey: true })).toBe('search');
    expect(press('F', undefined, { metaKey: true })).toBe('search');
    expect(press('n')).toBe('new');
    expect(press('u')).toBe('copy-username');
    expect(press('P')).toBe('copy-password');
    expect(press('l')).toBe('lock');
    expect(press('?')).toBe('help');
    expect(press('Escape')).toBe('close');
    expect(new Set(SHORTCUTS.map((s) => s.action)).size).toBe(SHORTCUTS.length);
  });

  it('never fires a letter while the person types in a field', () => {
    for (const target of [
      { tagName: 'INPUT', type: 'text' },
      { tagName: 'INPUT', type: 'search' },
      { tagName: 'INPUT', type: 'password' },
      { tagName: 'TEXTAREA' },
      { tagName: 'SELECT' },
      { tagName: 'DIV', isContentEditable: true },
    ]) {
      for (const key of ['n', 'u', 'p', 'l', '/', '?']) expect(press(key, target)).toBeNull();
      expect(press('f', target, { ctrlKey: true })).toBe('search');
      expect(press('Escape', target)).toBe('close');
    }
    // A check box or a button takes no text.
    expect(press('l', { tagName: 'INPUT', type: 'checkbox' })).toBe('lock');
    expect(press('n', { tagName: 'BUTTON' })).toBe('new');
  });

  it('leaves modified letters and other keys to the browser', () => {
    expect(press('p', undefined, { ctrlKey: true })).toBeNull();
    expect(press('l', undefined, { altKey: true })).toBeNull();
    expect(press('f', undefined, { ctrlKey: true, altKey: true })).toBeNull();
    expect(press('x')).toBeNull();
    expect(press('Enter')).toBeNull();
  });
});
