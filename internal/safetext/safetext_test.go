package safetext_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lumoworkflows/lumo/internal/safetext"
)

// forbidden is every character the rule names, one of each range's ends and middle.
var forbidden = map[string]rune{
	"NUL": 0x00, "TAB": 0x09, "LF": 0x0A, "CR": 0x0D, "US": 0x1F, "DEL": 0x7F, "NEL": 0x85, "APC": 0x9F,
	"LRE": 0x202A, "RLO": 0x202E, "LRI": 0x2066, "PDI": 0x2069, "LRM": 0x200E, "RLM": 0x200F, "BOM": 0xFEFF,
}

func TestProblem_NamesEveryForbiddenCharacterAndWhereItIs(t *testing.T) {
	for name, r := range forbidden {
		t.Run(name, func(t *testing.T) {
			s := "ab" + string(r) + "c"
			if safetext.Valid(s) {
				t.Fatalf("%q is valid", s)
			}
			if p := safetext.Problem(s); !strings.Contains(p, "at character 3") || !strings.Contains(p, "U+") {
				t.Fatalf("problem %q does not say which character and where", p)
			}
		})
	}
}

func TestProblem_AcceptsNamesInAnyScript(t *testing.T) {
	for _, s := range []string{"", "VIP", "drink: coffee", "コーヒー好き", "ลูกค้าใหม่", "שלום", "مرحبا", "😀 fans", "a\u200Db", "non\u00A0breaking"} {
		if p := safetext.Problem(s); p != "" || !safetext.Valid(s) {
			t.Errorf("%q refused: %s", s, p)
		}
	}
}

func TestClean_TurnsControlsIntoSpacesAndDropsMarks(t *testing.T) {
	cases := map[string]string{
		"Tea\n":              "Tea ",
		"Black\ttea":         "Black tea",
		"\u202Egnp.exe":      "gnp.exe",
		"\uFEFFCoffee\u200F": "Coffee",
		"two\r\nlines":       "two  lines",
		"\x00":               "",
		"\u200F\r\n":         "",
		" padded ":           " padded ",
		"already fine":       "already fine",
		"カフェ\u2066ラテ\u2069":  "カフェラテ",
	}
	for in, want := range cases {
		if got := safetext.Clean(in); got != want {
			t.Errorf("Clean(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzClean: whatever comes in, Clean's answer passes the rule, and the rule's two
// forms agree.
func FuzzClean(f *testing.F) {
	for _, s := range []string{"", "Tea\n", "\u202Eabc", "\xff\xfe", "a\u0085b", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if (safetext.Problem(s) == "") != safetext.Valid(s) {
			t.Fatalf("Problem and Valid disagree on %q", s)
		}
		clean := safetext.Clean(s)
		if !safetext.Valid(clean) {
			t.Fatalf("Clean(%q) = %q, which the rule refuses", s, clean)
		}
		if utf8.ValidString(s) && len(clean) > len(s) {
			t.Fatalf("Clean(%q) = %q grew", s, clean)
		}
		if safetext.Valid(s) && strings.TrimSpace(s) != "" && clean != s {
			t.Fatalf("Clean(%q) = %q changed a name the rule accepts", s, clean)
		}
	})
}
