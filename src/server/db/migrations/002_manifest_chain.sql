-- Vault manifest v2 (docs/sync-protocol.md §5): each manifest names the hash of the one
-- before it. A v1 manifest has no such link and nothing can be chained to it, so the
-- stored v1 manifests are dropped here; the first device to sync afterwards signs a v2
-- manifest with prev = "" and the chain starts there.
DELETE FROM sync_manifests;
ALTER TABLE sync_manifests ADD COLUMN hash text NOT NULL DEFAULT '';

-- Every manifest's header and signature (a few hundred bytes each), so a device that
-- missed several can check each link from the one it verified to the newest.
CREATE TABLE sync_manifest_links (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  seq bigint NOT NULL,
  hash text NOT NULL,
  body text NOT NULL,
  PRIMARY KEY (org_id, user_id, seq)
);
ALTER TABLE sync_manifest_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE sync_manifest_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant ON sync_manifest_links USING (org_id = latchkey_current_org()) WITH CHECK (org_id = latchkey_current_org());
GRANT SELECT, INSERT, UPDATE, DELETE ON sync_manifest_links TO latchkey_app;
