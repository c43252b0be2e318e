package app

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

func mkdirPrivate(dir string) error { return os.MkdirAll(dir, 0o700) }

// loadOrCreate returns the trimmed content of the file at path, first writing generate()
// to it (mode 0600) when it does not exist. It is how `lumo dev` keeps its generated
// secret key and API key stable across restarts of one data directory.
func loadOrCreate(path string, generate func() (string, error)) (string, bool, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		value := strings.TrimSpace(string(data))
		if value == "" {
			return "", false, fmt.Errorf("%s is empty: delete it to have a new value generated", path)
		}
		return value, false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", false, err
	}
	value, err := generate()
	if err != nil {
		return "", false, err
	}
	if err := mkdirPrivate(filepath.Dir(path)); err != nil {
		return "", false, err
	}
	// O_EXCL: two processes starting on one data directory must not both write a key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadOrCreate(path, generate)
		}
		return "", false, err
	}
	defer f.Close()
	if _, err := f.WriteString(value + "\n"); err != nil {
		return "", false, err
	}
	return value, true, f.Sync()
}

func randomToken(prefix string, n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return prefix + base64.RawURLEncoding.EncodeToString(b), nil
}
