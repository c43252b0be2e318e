package secrets_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/secrets"
)

func newBox(t *testing.T) *secrets.Box {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestBox_SealThenOpenReturnsPlaintext(t *testing.T) {
	box := newBox(t)
	sealed, err := box.Seal("channel-secret-123", "line_accounts/a/channel_secret")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "channel-secret-123") {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}
	got, err := box.Open(sealed, "line_accounts/a/channel_secret")
	if err != nil || got != "channel-secret-123" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestBox_SealIsRandomized(t *testing.T) {
	box := newBox(t)
	a, _ := box.Seal("same", "w")
	b, _ := box.Seal("same", "w")
	if a == b {
		t.Fatal("two seals of one value are equal: nonce reuse")
	}
}

func TestBox_OpenRefuses(t *testing.T) {
	box := newBox(t)
	sealed, err := box.Seal("token", "line_accounts/a/token")
	if err != nil {
		t.Fatal(err)
	}
	flipped := []byte(sealed)
	flipped[len(flipped)-3] ^= 0x01
	cases := []struct {
		name, sealed, where string
		box                 *secrets.Box
	}{
		{"moved to another row", sealed, "line_accounts/b/token", box},
		{"sealed under another key", sealed, "line_accounts/a/token", newBox(t)},
		{"altered", string(flipped), "line_accounts/a/token", box},
		{"no version prefix", strings.TrimPrefix(sealed, "v1."), "line_accounts/a/token", box},
		{"not base64", "v1.!!!", "line_accounts/a/token", box},
		{"too short", "v1.AAAA", "line_accounts/a/token", box},
		{"empty", "", "line_accounts/a/token", box},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.box.Open(tc.sealed, tc.where); !errors.Is(err, secrets.ErrCannotOpen) {
				t.Fatalf("Open err = %v, want ErrCannotOpen", err)
			}
		})
	}
}

func TestNewBox_RejectsWrongKeySize(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := secrets.NewBox(make([]byte, n)); err == nil {
			t.Errorf("NewBox(%d bytes) accepted", n)
		}
	}
}

func FuzzBoxOpen(f *testing.F) {
	key := make([]byte, 32)
	box, err := secrets.NewBox(key)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := box.Seal("x", "w")
	f.Add(good, "w")
	f.Add("v1.", "")
	f.Fuzz(func(t *testing.T, sealed, where string) {
		_, _ = box.Open(sealed, where) // must never panic
	})
}
