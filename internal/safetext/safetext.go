// Package safetext is the one rule for the text people name things with in Lumo:
// workflow, auto message, QR code and LINE account names, QR campaigns, tags, secret
// names, and the segment names to come. Such a name is shown in lists, log lines, file
// names and the Temporal Web UI, so it must be one line of text that looks like what it
// is: no control characters (U+0000–U+001F, U+007F–U+009F: line breaks, tabs, NUL), and
// none of the invisible marks that change how text around them is shown (the
// bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069, the
// marks U+200E and U+200F, and the byte order mark U+FEFF), with which "txt.exe" can be
// made to look like "exe.txt".
//
// The API's input validation and the workflow definition's validation both apply it
// (their `singleline` rule); text Lumo takes from friends, such as an answer saved as a
// tag, goes through Clean instead.
package safetext

import (
	"fmt"
	"strings"
)

// Forbidden is true for a character a name may not contain.
func Forbidden(r rune) bool {
	switch {
	case r <= 0x1F, 0x7F <= r && r <= 0x9F: // C0 and C1 controls, CR and LF among them
		return true
	case 0x202A <= r && r <= 0x202E, 0x2066 <= r && r <= 0x2069: // bidi embeddings, overrides, isolates
		return true
	case r == 0x200E, r == 0x200F, r == 0xFEFF: // LRM, RLM, byte order mark
		return true
	}
	return false
}

// Valid is true when s has no forbidden character.
func Valid(s string) bool { return !strings.ContainsFunc(s, Forbidden) }

// Problem says what is wrong with s, naming the first forbidden character and where it
// is (counting characters from 1), or returns "" when s is fine.
func Problem(s string) string {
	position := 0
	for _, r := range s {
		position++
		if Forbidden(r) {
			return fmt.Sprintf("must be one line of plain text, without control characters, line breaks or invisible direction marks (%U at character %d)", r, position)
		}
	}
	return ""
}

// Clean makes text from outside into a name: line breaks, tabs and other controls become
// spaces and the invisible marks go; text left blank becomes "". A name the rule accepts
// comes back unchanged (unless blank), so cleaning a definition's own tag is harmless; a
// friend's answer "Black\ttea" becomes the tag "Black tea".
func Clean(s string) string {
	if Valid(s) && strings.TrimSpace(s) != "" {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case !Forbidden(r):
			b.WriteRune(r)
		case r <= 0x1F || 0x7F <= r && r <= 0x9F:
			b.WriteByte(' ')
		}
	}
	if strings.TrimSpace(b.String()) == "" {
		return ""
	}
	return b.String()
}
