/**
 * Saves bytes or text the page made as a download. The object URL is revoked right
 * after the click has started the download, so the data (an export's plaintext, for
 * one) is not kept reachable by URL for longer than that.
 */
export function saveFile(fileName: string, mediaType: string, data: BlobPart): void {
  const url = URL.createObjectURL(new Blob([data], { type: mediaType }));
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
