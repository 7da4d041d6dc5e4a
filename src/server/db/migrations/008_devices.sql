-- Devices a person manages from the app (docs/sync-protocol.md §2.1, §5.4): when each
-- was last seen, how it enrolled, and who revoked it, so a revoked device can tell its
-- person why at its next request.
--
-- enrolled_via: 'code' (one-time code) or 'oidc' (the IdP sign-in of 007, which may
-- add the column first: hence IF NOT EXISTS). Existing devices enrolled by code.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS enrolled_via text NOT NULL DEFAULT 'code' CHECK (enrolled_via IN ('code', 'oidc'));

-- Written by the authenticated request path at most once a minute per device (a write
-- per request would double the cost of every read).
ALTER TABLE devices ADD COLUMN last_seen_at timestamptz;

-- 'person': the device's own person, from one of their devices (revoked_by_device);
-- 'admin': the admin API or the server host. NULL on a device revoked before this
-- migration, which only an admin could do.
ALTER TABLE devices ADD COLUMN revoked_by text CHECK (revoked_by IN ('person', 'admin'));
ALTER TABLE devices ADD COLUMN revoked_by_device uuid;
ALTER TABLE devices ADD CONSTRAINT devices_revoked_by_device_is_person CHECK (revoked_by_device IS NULL OR revoked_by = 'person');

CREATE INDEX IF NOT EXISTS devices_by_person ON devices (org_id, user_id, created_at);
