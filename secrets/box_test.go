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
		{"no version prefix", sealed[strings.LastIndex(sealed, ".")+1:], "line_accounts/a/token", box},
		{"unknown version", "v9" + strings.TrimPrefix(sealed, "v2"), "line_accounts/a/token", box},
		{"no key ID", "v2." + sealed[strings.LastIndex(sealed, ".")+1:], "line_accounts/a/token", box},
		{"not base64", "v1.!!!", "line_accounts/a/token", box},
		{"v2 not base64", "v2." + box.KeyID() + ".!!!", "line_accounts/a/token", box},
		{"too short", "v1.AAAA", "line_accounts/a/token", box},
		{"v2 too short", "v2." + box.KeyID() + ".AAAA", "line_accounts/a/token", box},
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

// FuzzBoxOpen feeds the sealed-value parser arbitrary text: Open never panics, and
// whatever it opens, Reseal opens too and moves under the current key.
func FuzzBoxOpen(f *testing.F) {
	current, previous := make([]byte, 32), make([]byte, 32)
	previous[0] = 1
	box, err := secrets.NewBox(current, previous)
	if err != nil {
		f.Fatal(err)
	}
	old, err := secrets.NewBox(previous)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := box.Seal("x", "w")
	byOld, _ := old.Seal("x", "w")
	f.Add(good, "w")
	f.Add(byOld, "w")
	f.Add("v1."+good[strings.LastIndex(good, ".")+1:], "w")
	f.Add("v1.", "")
	f.Add("v2.", "")
	f.Add("v2..", "")
	f.Add("v2."+box.KeyID()+".", "w")
	f.Add("v2.zzzzzzzz.AAAA", "w")
	f.Fuzz(func(t *testing.T, sealed, where string) {
		plaintext, err := box.Open(sealed, where)
		if err != nil {
			if !errors.Is(err, secrets.ErrCannotOpen) {
				t.Fatalf("Open(%q) err = %v, want ErrCannotOpen", sealed, err)
			}
			return
		}
		resealed, _, err := box.Reseal(sealed, where)
		if err != nil || !box.SealedUnderCurrentKey(resealed) {
			t.Fatalf("Reseal(%q) = %q, %v after Open succeeded", sealed, resealed, err)
		}
		if again, err := box.Open(resealed, where); err != nil || again != plaintext {
			t.Fatalf("resealed value opens to %q, %v; want %q", again, err, plaintext)
		}
	})
}

// FuzzBoxSealOpen: whatever is sealed opens back to itself, at its place only.
func FuzzBoxSealOpen(f *testing.F) {
	box, err := secrets.NewBox(make([]byte, 32))
	if err != nil {
		f.Fatal(err)
	}
	f.Add("channel-secret", "line_accounts/a/channel_secret")
	f.Add("", "")
	f.Add("v2.x.y", "v1.")
	f.Fuzz(func(t *testing.T, plaintext, where string) {
		sealed, err := box.Seal(plaintext, where)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := box.Open(sealed, where); err != nil || got != plaintext {
			t.Fatalf("Open(Seal(%q)) = %q, %v", plaintext, got, err)
		}
		if _, err := box.Open(sealed, where+"/"); !errors.Is(err, secrets.ErrCannotOpen) {
			t.Fatalf("opened at another place: %v", err)
		}
	})
}
