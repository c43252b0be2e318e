package workflows

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/lumoworkflows/lumo/definition"
)

// checkAnswer tells whether a reply is a valid answer of the answer's type, and returns
// the value to save: text trimmed, a number as float64, an email lower-cased, a phone as
// written, a date as 2006-01-02, a choice as the choice is spelled in the definition.
//
// Replies typed on Japanese keyboards often come in full-width characters ("１２３",
// "＠"); they are folded to ASCII before checking.
func checkAnswer(answer definition.Answer, reply string) (any, bool) {
	text := strings.TrimSpace(foldWidth(reply))
	if text == "" {
		return nil, false
	}
	switch answer.Type {
	case definition.AnswerText:
		return text, true
	case definition.AnswerNumber:
		n, err := strconv.ParseFloat(strings.ReplaceAll(text, ",", ""), 64)
		if err != nil || (answer.Min != nil && n < *answer.Min) || (answer.Max != nil && n > *answer.Max) {
			return nil, false
		}
		return n, true
	case definition.AnswerEmail:
		addr, err := mail.ParseAddress(text)
		if err != nil || addr.Address != text || !strings.Contains(text[strings.LastIndex(text, "@")+1:], ".") {
			return nil, false
		}
		return strings.ToLower(text), true
	case definition.AnswerPhone:
		digits := 0
		for _, r := range text {
			if r >= '0' && r <= '9' {
				digits++
			}
		}
		if !phonePattern.MatchString(text) || digits < 7 || digits > 15 {
			return nil, false
		}
		return text, true
	case definition.AnswerDate:
		for _, layout := range []string{"2006-01-02", "2006/01/02", "2006-1-2", "2006/1/2"} {
			if t, err := time.Parse(layout, text); err == nil {
				return t.Format("2006-01-02"), true
			}
		}
		return nil, false
	case definition.AnswerChoice:
		for _, choice := range answer.Choices {
			if strings.EqualFold(strings.TrimSpace(choice), text) {
				return choice, true
			}
		}
		return nil, false
	}
	return nil, false
}

var phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-]*$`)

// foldWidth maps full-width ASCII forms (U+FF01–U+FF5E) and the ideographic space to
// their ASCII equivalents.
func foldWidth(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E:
			return r - 0xFF01 + '!'
		case r == 0x3000:
			return ' '
		}
		return r
	}, s)
}
