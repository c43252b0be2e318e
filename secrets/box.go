// Package secrets seals values at rest (channel secrets, access tokens, integration keys)
// with AES-256-GCM under the operator's LUMO_SECRET_KEY.
//
// A sealed value is text: "v1." followed by base64url(nonce || ciphertext). Each value is
// sealed with associated data naming where it lives (for example "line_accounts/<id>/
// channel_secret"), so a ciphertext copied into another row or column does not open.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

const sealedPrefix = "v1."

// ErrCannotOpen means a sealed value was tampered with, moved, or sealed under another key.
var ErrCannotOpen = errors.New("secrets: cannot open sealed value (wrong key, or value altered or moved)")

// Box seals and opens values with one key. It is safe for concurrent use.
type Box struct {
	aead cipher.AEAD
}

// NewBox returns a Box for a 32-byte key.
func NewBox(key []byte) (*Box, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("secrets: key is %d bytes, want 32", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	return &Box{aead: aead}, nil
}

// GenerateKey returns a fresh random 32-byte key.
func GenerateKey() ([]byte, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("secrets: generate key: %w", err)
	}
	return key, nil
}

// Seal encrypts plaintext bound to where (the value's place, authenticated but not secret).
func (b *Box) Seal(plaintext, where string) (string, error) {
	nonce := make([]byte, b.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("secrets: nonce: %w", err)
	}
	sealed := b.aead.Seal(nonce, nonce, []byte(plaintext), []byte(where))
	return sealedPrefix + base64.RawURLEncoding.EncodeToString(sealed), nil
}

// Open decrypts a value made by Seal with the same where.
func (b *Box) Open(sealed, where string) (string, error) {
	encoded, ok := strings.CutPrefix(sealed, sealedPrefix)
	if !ok {
		return "", ErrCannotOpen
	}
	raw, err := base64.RawURLEncoding.DecodeString(encoded)
	if err != nil || len(raw) < b.aead.NonceSize() {
		return "", ErrCannotOpen
	}
	nonce, ciphertext := raw[:b.aead.NonceSize()], raw[b.aead.NonceSize():]
	plaintext, err := b.aead.Open(nil, nonce, ciphertext, []byte(where))
	if err != nil {
		return "", ErrCannotOpen
	}
	return string(plaintext), nil
}
