-- QR scans carry a one-time code, which the friend sends back through LINE to claim
-- the scan, and the client address the scan link was opened from, which bounds the
-- unclaimed scans one client can leave.

-- +goose Up
-- code is NULL on scans recorded before codes; unique per account, where claims look
-- it up.
ALTER TABLE qr_scans ADD COLUMN code TEXT;
ALTER TABLE qr_scans ADD COLUMN client_addr TEXT NOT NULL DEFAULT '';
-- claimed_via: 'code' (the friend sent the scan's code) or 'follow' (the friend
-- followed right after the account's only unclaimed scan).
ALTER TABLE qr_scans ADD COLUMN claimed_via TEXT;
CREATE UNIQUE INDEX qr_scans_account_code ON qr_scans (line_account_id, code);
-- A scan keeps the client's newest unclaimed scans on the account and drops the rest.
CREATE INDEX qr_scans_unclaimed_client ON qr_scans (line_account_id, client_addr, scanned_at) WHERE claimed_at IS NULL;
-- Pruning walks the unclaimed scans of every account by age.
CREATE INDEX qr_scans_unclaimed_age ON qr_scans (scanned_at) WHERE claimed_at IS NULL;

-- +goose Down
DROP INDEX qr_scans_unclaimed_age;
DROP INDEX qr_scans_unclaimed_client;
DROP INDEX qr_scans_account_code;
ALTER TABLE qr_scans DROP COLUMN claimed_via;
ALTER TABLE qr_scans DROP COLUMN client_addr;
ALTER TABLE qr_scans DROP COLUMN code;
