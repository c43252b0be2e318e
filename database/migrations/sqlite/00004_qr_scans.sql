-- QR code scans, kept one by one so that a friend who adds the account soon after a scan
-- is credited to the code, and the LINE account's basic ID, which a scan redirects to.

-- +goose Up
-- basic_id is the account's "@abc1234", which its add-friend link is made of; NULL when
-- nobody has told us.
ALTER TABLE line_accounts ADD COLUMN basic_id TEXT;

-- claimed_at is set when a follow is credited to the scan (claimed_by_friend_id may go
-- back to NULL when the friend is deleted; the scan stays claimed).
CREATE TABLE qr_scans (
    id                   TEXT PRIMARY KEY,
    workspace_id         TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    line_account_id      TEXT NOT NULL REFERENCES line_accounts (id) ON DELETE CASCADE,
    qr_code_id           TEXT NOT NULL REFERENCES qr_codes (id) ON DELETE CASCADE,
    scanned_at           DATETIME NOT NULL,
    claimed_by_friend_id TEXT REFERENCES friends (id) ON DELETE SET NULL,
    claimed_at           DATETIME
);
-- A follow claims the oldest unclaimed recent scan of its account.
CREATE INDEX qr_scans_unclaimed ON qr_scans (line_account_id, scanned_at) WHERE claimed_at IS NULL;
-- A code's scans (and deleting a code deletes them).
CREATE INDEX qr_scans_code ON qr_scans (qr_code_id, scanned_at);

-- +goose Down
DROP TABLE qr_scans;
ALTER TABLE line_accounts DROP COLUMN basic_id;
