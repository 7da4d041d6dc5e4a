/**
 * The pages of the unlocked app, in nav order. A later page (Security keys, Agents,
 * Activity) is one more entry here and one view file.
 */
import type { ComponentType } from 'react';
import { ActivityView } from './ActivityView';
import { AgentsView } from './AgentsView';
import { ImportExportView } from './ImportExportView';
import { ItemsView } from './ItemsView';
import { SecurityKeysView } from './SecurityKeysView';
import { SettingsView } from './SettingsView';
import { TrashView } from './TrashView';

export interface Page {
  readonly id: string;
  readonly label: string;
  readonly View: ComponentType;
}

export const PAGES: readonly Page[] = [
  { id: 'items', label: 'Items', View: ItemsView },
  { id: 'trash', label: 'Trash', View: TrashView },
  { id: 'agents', label: 'Agents', View: AgentsView },
  { id: 'activity', label: 'Activity', View: ActivityView },
  { id: 'keys', label: 'Security keys', View: SecurityKeysView },
  { id: 'import', label: 'Import & export', View: ImportExportView },
  { id: 'settings', label: 'Settings', View: SettingsView },
];
