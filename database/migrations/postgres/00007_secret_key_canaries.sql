-- Secret key canaries: one sealed value a key, written the first time a process starts
-- with that key as its current one, so that a process given the wrong LUMO_SECRET_KEY
-- finds out at start (a canary does not open) instead of on the first secret it reads.

-- +goose Up
-- key_id is the secrets.KeyID of the key that sealed the row's value (the value names it
-- too, "v2.<key_id>.…"). Rotation deletes the rows of keys it has moved every value off,
-- and so the old key may then be dropped.
CREATE TABLE secret_key_canaries (
    key_id     TEXT PRIMARY KEY,
    sealed     TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE secret_key_canaries;
