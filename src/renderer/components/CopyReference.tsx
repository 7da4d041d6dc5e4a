/**
 * "Copy reference" beside a field's Copy: puts its `latchkey://` reference on the
 * clipboard. A reference names a field, it holds no value, so it is copied as it is
 * (no clearing timer).
 */
export function CopyReference({ reference }: { reference: string | undefined }) {
  if (reference === undefined) return null;
  return (
    <button type="button" onClick={() => void navigator.clipboard.writeText(reference)} title={reference} data-testid="copy-reference" data-reference={reference}>
      Copy reference
    </button>
  );
}
