package secrets_test

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/secrets"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	key, err := secrets.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// sealV1 makes a value the way the first format did, "v1.<base64url(nonce||ciphertext)>",
// so that tests hold the old format without keeping the old code.
func sealV1(t *testing.T, key []byte, plaintext, where string) string {
	t.Helper()
	box, err := secrets.NewBox(key)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal(plaintext, where)
	if err != nil {
		t.Fatal(err)
	}
	// v2.<kid>.<payload> carries the same payload as v1.<payload>.
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 || parts[0] != "v2" {
		t.Fatalf("sealed value %q is not v2.<kid>.<payload>", sealed)
	}
	return "v1." + parts[2]
}

func TestBox_SealsWithTheFirstKeyAndNamesIt(t *testing.T) {
	current, previous := newKey(t), newKey(t)
	box, err := secrets.NewBox(current, previous)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal("token", "w")
	if err != nil {
		t.Fatal(err)
	}
	if want := "v2." + secrets.KeyID(current) + "."; !strings.HasPrefix(sealed, want) {
		t.Fatalf("sealed = %q, want it to start %q", sealed, want)
	}
	if box.KeyID() != secrets.KeyID(current) {
		t.Errorf("KeyID() = %q, want the first key's %q", box.KeyID(), secrets.KeyID(current))
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}$`).MatchString(box.KeyID()) {
		t.Errorf("key ID %q is not 8 hex digits", box.KeyID())
	}
	if secrets.KeyID(current) == secrets.KeyID(previous) {
		t.Error("two random keys have one ID")
	}
	// The first key alone opens it: it was sealed under that key.
	alone, _ := secrets.NewBox(current)
	if got, err := alone.Open(sealed, "w"); err != nil || got != "token" {
		t.Errorf("Open with the sealing key alone = %q, %v", got, err)
	}
	onlyPrevious, _ := secrets.NewBox(previous)
	if _, err := onlyPrevious.Open(sealed, "w"); !errors.Is(err, secrets.ErrCannotOpen) {
		t.Errorf("Open with the previous key alone: err = %v, want ErrCannotOpen", err)
	}
}

func TestBox_OpensWhatAnyOfItsKeysSealed(t *testing.T) {
	current, previous := newKey(t), newKey(t)
	box, err := secrets.NewBox(current, previous)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := secrets.NewBox(previous)
	cases := []struct {
		name, sealed string
	}{
		{"v2 under the current key", must(box.Seal("secret", "w"))},
		{"v2 under the previous key", must(old.Seal("secret", "w"))},
		{"v1 under the current key", sealV1(t, current, "secret", "w")},
		{"v1 under the previous key", sealV1(t, previous, "secret", "w")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := box.Open(tc.sealed, "w")
			if err != nil || got != "secret" {
				t.Fatalf("Open = %q, %v", got, err)
			}
			if _, err := box.Open(tc.sealed, "elsewhere"); !errors.Is(err, secrets.ErrCannotOpen) {
				t.Fatalf("Open at another place: err = %v, want ErrCannotOpen", err)
			}
		})
	}
}

func TestBox_UnknownKeyIDIsNamed(t *testing.T) {
	stranger := newKey(t)
	sealed := must(must(secrets.NewBox(stranger)).Seal("x", "w"))
	box := must(secrets.NewBox(newKey(t), newKey(t)))
	_, err := box.Open(sealed, "w")
	var unknown *secrets.UnknownKeyError
	if !errors.As(err, &unknown) || unknown.KeyID != secrets.KeyID(stranger) {
		t.Fatalf("err = %v, want an UnknownKeyError naming %s", err, secrets.KeyID(stranger))
	}
	if !errors.Is(err, secrets.ErrCannotOpen) {
		t.Errorf("an unknown key is not ErrCannotOpen: %v", err)
	}
}

func TestBox_ResealMovesValuesToTheCurrentKeyOnce(t *testing.T) {
	current, previous := newKey(t), newKey(t)
	box := must(secrets.NewBox(current, previous))
	old := must(secrets.NewBox(previous))
	cases := []struct {
		name        string
		sealed      string
		wantChanged bool
	}{
		{"v2 under the previous key", must(old.Seal("v", "w")), true},
		{"v1 under the previous key", sealV1(t, previous, "v", "w"), true},
		{"v1 under the current key", sealV1(t, current, "v", "w"), true},
		{"v2 under the current key", must(box.Seal("v", "w")), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resealed, changed, err := box.Reseal(tc.sealed, "w")
			if err != nil || changed != tc.wantChanged {
				t.Fatalf("Reseal: changed %v, err %v; want changed %v", changed, err, tc.wantChanged)
			}
			if !changed && resealed != tc.sealed {
				t.Fatalf("an unchanged value came back different: %q", resealed)
			}
			if !box.SealedUnderCurrentKey(resealed) {
				t.Fatalf("resealed value %q is not under the current key", resealed)
			}
			alone := must(secrets.NewBox(current))
			if got, err := alone.Open(resealed, "w"); err != nil || got != "v" {
				t.Fatalf("the current key alone opens %q, %v", got, err)
			}
			again, changedAgain, err := box.Reseal(resealed, "w")
			if err != nil || changedAgain || again != resealed {
				t.Fatalf("second Reseal changed it: %v %v", changedAgain, err)
			}
		})
	}
	if _, _, err := box.Reseal(must(must(secrets.NewBox(newKey(t))).Seal("v", "w")), "w"); !errors.Is(err, secrets.ErrCannotOpen) {
		t.Errorf("Reseal of a stranger's value: err = %v, want ErrCannotOpen", err)
	}
}

func TestNewBox_RefusesTheSameKeyTwice(t *testing.T) {
	key := newKey(t)
	if _, err := secrets.NewBox(key, newKey(t), key); err == nil || !strings.Contains(err.Error(), "key 3") {
		t.Fatalf("err = %v, want one naming key 3", err)
	}
	if _, err := secrets.NewBox(key, make([]byte, 16)); err == nil || !strings.Contains(err.Error(), "key 2") {
		t.Fatalf("err = %v, want one naming key 2", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestBox_OpensAValueTheFirstFormatSealed holds a value the v1 code sealed (before key
// IDs) under a fixed key: databases written then must keep opening.
func TestBox_OpensAValueTheFirstFormatSealed(t *testing.T) {
	const v1 = "v1.yWdo3qJ-0pzdSleIu1UQCzFOKJF67RxU-HtE5yDmt8Tz77pnEbmQig"
	oldKey := []byte(strings.Repeat("\x07", 32))
	box := must(secrets.NewBox(newKey(t), oldKey))
	got, err := box.Open(v1, "line_accounts/a/channel_secret")
	if err != nil || got != "sealed by v1" {
		t.Fatalf("Open(v1 value) = %q, %v", got, err)
	}
	if box.SealedUnderCurrentKey(v1) {
		t.Error("a v1 value counts as sealed under the current key")
	}
}
