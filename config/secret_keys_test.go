package config_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lumoworkflows/lumo/config"
)

func TestLoad_SecretKeyList(t *testing.T) {
	hexKey := func(b byte) string {
		return strings.Repeat(string("0123456789abcdef"[b>>4])+string("0123456789abcdef"[b&15]), 32)
	}
	first, second, third := hexKey(0x11), hexKey(0x22), hexKey(0x33)
	base64Second := "IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=" // 32 bytes of 0x22
	cases := []struct {
		name         string
		raw          string
		wantCurrent  byte
		wantPrevious []byte
		wantErr      []string // each must appear in the error
		wantNot      []string // none may appear in the error (key material)
	}{
		{name: "one key", raw: first, wantCurrent: 0x11},
		{name: "new key first, then the previous ones", raw: first + "," + second + "," + third, wantCurrent: 0x11, wantPrevious: []byte{0x22, 0x33}},
		{name: "spaces around commas", raw: " " + first + " , " + base64Second + " ", wantCurrent: 0x11, wantPrevious: []byte{0x22}},
		{name: "bad second key names its position", raw: first + ",nope", wantErr: []string{"LUMO_SECRET_KEY", "key 2 of 2"}, wantNot: []string{first}},
		{name: "short first key", raw: strings.Repeat("ab", 16) + "," + second, wantErr: []string{"LUMO_SECRET_KEY", "key 1 of 2", "32 bytes"}},
		{name: "one bad key", raw: "nope", wantErr: []string{"LUMO_SECRET_KEY: the key: want 32 bytes"}},
		{name: "every bad key at once", raw: "x," + second + ",y", wantErr: []string{"key 1 of 3", "key 3 of 3"}},
		{name: "empty entry", raw: first + ",," + second, wantErr: []string{"key 2 of 3 is empty"}},
		{name: "trailing comma", raw: first + ",", wantErr: []string{"key 2 of 2 is empty"}},
		{name: "the same key twice, in two spellings", raw: second + "," + first + "," + base64Second, wantErr: []string{"LUMO_SECRET_KEY", "key 3 of 3 is key 1 again"}, wantNot: []string{second}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.Load(env(map[string]string{"LUMO_SECRET_KEY": tc.raw}))
			if len(tc.wantErr) > 0 {
				if err == nil {
					t.Fatalf("no error; config %+v", cfg)
				}
				for _, want := range tc.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
				}
				for _, not := range tc.wantNot {
					if strings.Contains(err.Error(), not) {
						t.Errorf("error %q repeats key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(cfg.SecretKey, bytes.Repeat([]byte{tc.wantCurrent}, 32)) {
				t.Errorf("SecretKey = %x, want 32 × %02x", cfg.SecretKey, tc.wantCurrent)
			}
			if len(cfg.PreviousSecretKeys) != len(tc.wantPrevious) {
				t.Fatalf("PreviousSecretKeys has %d keys, want %d", len(cfg.PreviousSecretKeys), len(tc.wantPrevious))
			}
			for i, b := range tc.wantPrevious {
				if !bytes.Equal(cfg.PreviousSecretKeys[i], bytes.Repeat([]byte{b}, 32)) {
					t.Errorf("PreviousSecretKeys[%d] = %x, want 32 × %02x", i, cfg.PreviousSecretKeys[i], b)
				}
			}
		})
	}
}

// FuzzParseSecretKeys: any text either parses into distinct 32-byte keys or is refused
// with an error; it never panics.
func FuzzParseSecretKeys(f *testing.F) {
	f.Add(strings.Repeat("ab", 32))
	f.Add(strings.Repeat("ab", 32) + "," + strings.Repeat("cd", 32))
	f.Add(",")
	f.Add("")
	f.Add("IiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiIiI=,,x")
	f.Fuzz(func(t *testing.T, raw string) {
		keys, err := config.ParseSecretKeys(raw)
		if err != nil {
			if keys != nil {
				t.Fatalf("keys %d beside error %v", len(keys), err)
			}
			return
		}
		if len(keys) == 0 {
			t.Fatal("no error and no key")
		}
		for i, k := range keys {
			if len(k) != 32 {
				t.Fatalf("key %d is %d bytes", i+1, len(k))
			}
			for j := range i {
				if bytes.Equal(keys[j], k) {
					t.Fatalf("keys %d and %d are equal", j+1, i+1)
				}
			}
		}
	})
}
