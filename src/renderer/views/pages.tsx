/**
 * The pages of the unlocked app, in nav order. A later page (Security keys, Agents,
 * Activity) is one more entry here and one view file.
 */
import type { ComponentType } from 'react';
import { ItemsView } from './ItemsView';
import { SettingsView } from './SettingsView';

export interface Page {
  readonly id: string;
  readonly label: string;
  readonly View: ComponentType;
}

export const PAGES: readonly Page[] = [
  { id: 'items', label: 'Items', View: ItemsView },
  { id: 'settings', label: 'Settings', View: SettingsView },
];
