package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"log/slog"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/secrets"
)

func TestRun_SecretsRotate(t *testing.T) {
	oldKey, newKey := hex.EncodeToString(mustKey(t)), hex.EncodeToString(mustKey(t))
	dataDir := t.TempDir()
	seedSealedAccount(t, dataDir, oldKey)
	newKeyID := secrets.KeyID(must(hex.DecodeString(newKey)))
	oldKeyID := secrets.KeyID(must(hex.DecodeString(oldKey)))

	cases := []struct {
		name       string
		args       []string
		key        string
		wantErr    string
		wantStdout []string
	}{
		{name: "needs a subcommand", args: []string{"secrets"}, key: oldKey, wantErr: "lumo secrets rotate"},
		{name: "unknown subcommand", args: []string{"secrets", "spin"}, key: oldKey, wantErr: "lumo secrets rotate"},
		{name: "bad batch size", args: []string{"secrets", "rotate", "--batch", "0"}, key: oldKey, wantErr: "--batch"},
		{name: "without the old key it refuses", args: []string{"secrets", "rotate"}, key: newKey, wantErr: oldKeyID},
		{name: "new key first, old key after", args: []string{"secrets", "rotate", "--batch", "1"}, key: newKey + "," + oldKey,
			wantStdout: []string{"line_accounts.channel_secret_sealed: 1 re-sealed", "2 values re-sealed under key " + newKeyID, "retired key " + oldKeyID, "may now drop"}},
		{name: "run again: nothing to do", args: []string{"secrets", "rotate"}, key: newKey + "," + oldKey,
			wantStdout: []string{"0 values re-sealed under key " + newKeyID + ", 2 already under it"}},
		{name: "the new key alone", args: []string{"secrets", "rotate"}, key: newKey,
			wantStdout: []string{"0 values re-sealed", "2 already under it"}},
		{name: "the old key alone is wrong now", args: []string{"secrets", "rotate"}, key: oldKey, wantErr: "LUMO_SECRET_KEY cannot open"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := map[string]string{"LUMO_DATA_DIR": dataDir, "LUMO_SECRET_KEY": tc.key, "LUMO_LOG_LEVEL": "warn"}
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tc.args, func(name string) string { return env[name] }, &stdout, &stderr)
			switch {
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("err = %v, want one saying %q", err, tc.wantErr)
			case tc.wantErr == "" && err != nil:
				t.Fatalf("err = %v\n%s", err, stderr.String())
			}
			for _, want := range tc.wantStdout {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout = %q, want it to say %q", stdout.String(), want)
				}
			}
		})
	}
}

// seedSealedAccount writes a LINE account, its secret and token sealed under key, into
// the SQLite database of dataDir.
func seedSealedAccount(t *testing.T, dataDir, key string) {
	t.Helper()
	ctx := context.Background()
	cfg, err := config.Load(func(name string) string {
		return map[string]string{"LUMO_DATA_DIR": dataDir, "LUMO_SECRET_KEY": key}[name]
	})
	if err != nil {
		t.Fatal(err)
	}
	db, store, err := app.OpenStore(ctx, cfg, false, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := store.EnsureSecretKey(ctx); err != nil {
		t.Fatal(err)
	}
	ws, _, err := store.CreateWorkspace(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.CreateLineAccount(ctx, ws.ID, models.LineAccountInput{Name: "Cafe", ChannelID: "1650000000", ChannelSecret: "s", ChannelAccessToken: "t"}); err != nil {
		t.Fatal(err)
	}
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	return must(secrets.GenerateKey())
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
