/** Moving in and out: import from other apps, export to a file. */
import { ExportPanel } from './ExportPanel';
import { ImportPanel } from './ImportPanel';

export function ImportExportView() {
  return (
    <div className="settings">
      <ImportPanel />
      <ExportPanel />
    </div>
  );
}
