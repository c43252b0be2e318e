// Package secrets seals values at rest (channel secrets, access tokens, integration keys)
// with AES-256-GCM under the operator's LUMO_SECRET_KEY.
//
// A sealed value is text naming the key that sealed it:
//
//	v2.<key ID>.<base64url(nonce || ciphertext)>
//
// The key ID is eight hex digits derived from the key (KeyID), so a value says which key
// opens it without saying anything about the key. Values written before key IDs,
// "v1.<base64url(nonce || ciphertext)>", still open: a Box tries each of its keys on them.
//
// A Box holds the current key, which seals, and any previous keys, which only open: that
// is how a key is rotated. Add the new key in front of the old one, re-seal every value
// under it (Reseal; `lumo secrets rotate` does it for the database), then drop the old key.
//
// Each value is sealed with associated data naming where it lives (for example
// "line_accounts/<id>/channel_secret"), so a ciphertext copied into another row or column
// does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

const (
	// v1Prefix starts values sealed before key IDs: the payload alone.
	v1Prefix = "v1."
	// v2Prefix starts values that name their key: "v2.<key ID>.<payload>".
	v2Prefix = "v2."
	// keyIDLength is the length of a key ID in hex digits (4 bytes: a handful of keys
	// live side by side, and NewBox refuses two with one ID).
	keyIDLength = 8
)

// keyIDLabel separates the key ID's HMAC from any other use of the key.
var keyIDLabel = []byte("lumo secrets key id")

// ErrCannotOpen means a sealed value was tampered with, moved, or sealed under another key.
var ErrCannotOpen = errors.New("secrets: cannot open sealed value (wrong key, or value altered or moved)")

// UnknownKeyError means a value names a key the Box does not hold: the key that sealed
// it is missing from LUMO_SECRET_KEY. It is an ErrCannotOpen.
type UnknownKeyError struct {
	// KeyID is the ID the value names.
	KeyID string
}

func (e *UnknownKeyError) Error() string {
	return fmt.Sprintf("secrets: cannot open sealed value: it was sealed under key %s, which is not configured", e.KeyID)
}

// Is makes an UnknownKeyError match ErrCannotOpen.
func (e *UnknownKeyError) Is(target error) bool { return target == ErrCannotOpen }

// Box seals with its current key and opens with any of its keys. It is safe for
// concurrent use.
type Box struct {
	// keys[0] is the current key, the one that seals.
	keys []boxKey
}

type boxKey struct {
	id   string
	aead cipher.AEAD
}

// NewBox returns a Box that seals with current and opens with current and each of
// previous. Every key is 32 bytes, and no key may be given twice.
func NewBox(current []byte, previous ...[]byte) (*Box, error) {
	all := append([][]byte{current}, previous...)
	box := &Box{keys: make([]boxKey, 0, len(all))}
	seen := make(map[string]int, len(all))
	for i, key := range all {
		if len(key) != 32 {
			return nil, fmt.Errorf("secrets: key %d is %d bytes, want 32", i+1, len(key))
		}
		id := KeyID(key)
		if first, ok := seen[id]; ok {
			return nil, fmt.Errorf("secrets: key %d is key %d again (key ID %s)", i+1, first, id)
		}
		seen[id] = i + 1
		block, err := aes.NewCipher(key)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %d: %w", i+1, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("secrets: key %d: %w", i+1, err)
		}
		box.keys = append(box.keys, boxKey{id: id, aead: aead})
	}
	return box, nil
}

// KeyID is the ID sealed values name key by: the first 4 bytes, in hex, of
// HMAC-SHA256(key, a fixed label). It tells keys apart without revealing them.
func KeyID(key []byte) string {
	mac := hmac.New(sha256.New, key)
	mac.Write(keyIDLabel)
	return hex.EncodeToString(mac.Sum(nil))[:keyIDLength]
}

// GenerateKey returns a fresh random 32-byte key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	return key, nil
}

// KeyID is the ID of the current key, the one Seal uses.
func (b *Box) KeyID() string { return b.keys[0].id }

// KeyIDs are the IDs of every key the Box holds, the current one first.
func (b *Box) KeyIDs() []string {
	ids := make([]string, len(b.keys))
	for i, k := range b.keys {
		ids[i] = k.id
	}
	return ids
}

// Seal encrypts plaintext under the current key, bound to where (the value's place,
// authenticated but not secret).
func (b *Box) Seal(plaintext, where string) (string, error) {
	key := b.keys[0]
	nonce := make([]byte, key.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	sealed := key.aead.Seal(nonce, nonce, []byte(plaintext), []byte(where))
	return v2Prefix + key.id + "." + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal, under any of the Box's keys, with the same where.
// A value that names a key the Box lacks is an *UnknownKeyError; anything else that
// does not open is ErrCannotOpen.
func (b *Box) Open(sealed, where string) (string, error) {
	if rest, ok := strings.CutPrefix(sealed, v2Prefix); ok {
		id, payload, ok := strings.Cut(rest, ".")
		if !ok || !validKeyID(id) {
			return "", ErrCannotOpen
		}
		for _, key := range b.keys {
			if key.id == id {
				return open(key.aead, payload, where)
			}
		}
		return "", &UnknownKeyError{KeyID: id}
	}
	if payload, ok := strings.CutPrefix(sealed, v1Prefix); ok {
		// A v1 value does not say which key sealed it: the one that opens it did (GCM's
		// tag makes another key fail, never open to garbage).
		for _, key := range b.keys {
			if plaintext, err := open(key.aead, payload, where); err == nil {
				return plaintext, nil
			}
		}
	}
	return "", ErrCannotOpen
}

// SealedUnderCurrentKey tells whether sealed is a v2 value naming the current key: one
// that rotation leaves as it is. It does not open the value.
func (b *Box) SealedUnderCurrentKey(sealed string) bool {
	return strings.HasPrefix(sealed, v2Prefix+b.keys[0].id+".")
}

// Reseal opens sealed with any key and seals it again under the current key. A value
// already sealed under the current key comes back as it is, with changed false, so that
// re-sealing twice (a rotation run again after an interruption) changes nothing more.
func (b *Box) Reseal(sealed, where string) (resealed string, changed bool, err error) {
	plaintext, err := b.Open(sealed, where)
	if err != nil {
		return "", false, err
	}
	if b.SealedUnderCurrentKey(sealed) {
		return sealed, false, nil
	}
	resealed, err = b.Seal(plaintext, where)
	if err != nil {
		return "", false, err
	}
	return resealed, true, nil
}

func open(aead cipher.AEAD, payload, where string) (string, error) {
	raw, err := base64.RawURLEncoding.DecodeString(payload)
	if err != nil || len(raw) < aead.NonceSize() {
		return "", ErrCannotOpen
	}
	nonce, ciphertext := raw[:aead.NonceSize()], raw[aead.NonceSize():]
	plaintext, err := aead.Open(nil, nonce, ciphertext, []byte(where))
	if err != nil {
		return "", ErrCannotOpen
	}
	return string(plaintext), nil
}

// validKeyID tells whether id has the shape KeyID gives, so that an error never repeats
// arbitrary text taken from a sealed value.
func validKeyID(id string) bool {
	if len(id) != keyIDLength {
		return false
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
