package definition

import (
	"fmt"
	"time"
)

// Answer types a question accepts.
const (
	AnswerText   = "text"
	AnswerNumber = "number"
	AnswerEmail  = "email"
	AnswerPhone  = "phone"
	AnswerDate   = "date"
	AnswerChoice = "choice"
)

// Question timeouts: a week is as long as a friend's reply is worth waiting for, and as
// long as a LINE conversation stays in view.
const DefaultQuestionTimeout = 7 * 24 * time.Hour

// Question sends a message, waits for the friend's reply, checks it against Answer and
// saves it. Outlets: next (a valid answer, saved), invalid (a reply that is not a valid
// answer; often a step that explains and asks again), timedOut (no reply within
// Timeout), failed (the question could not be sent).
//
//	{"id": "ask", "type": "question",
//	 "message": {"type": "text", "text": "Coffee or tea?"},
//	 "answer": {"type": "choice", "choices": ["Coffee", "Tea"]},
//	 "saveTo": {"field": "drink"}, "timeout": "168h",
//	 "next": "sort", "invalid": "ask_again", "timedOut": "bye"}
//
// For a choice answer whose message has no quickReply, the engine adds one quick reply
// button per choice, which is why a choice is at most 20 characters and there are at
// most 13 of them (LINE's quick reply limits).
type Question struct {
	NodeBase
	Message Message `json:"message" validate:"required"`
	Answer  Answer  `json:"answer" validate:"required"`
	SaveTo  SaveTo  `json:"saveTo,omitzero"`
	// Timeout is a Go duration up to 168h (7 days); empty means 168h.
	Timeout  string `json:"timeout,omitempty" validate:"duration=168h"`
	Invalid  string `json:"invalid,omitempty"`
	TimedOut string `json:"timedOut,omitempty"`
}

func (n *Question) Outlets() []Outlet {
	return []Outlet{n.next(), {Name: "invalid", Target: n.Invalid}, {Name: "timedOut", Target: n.TimedOut}, n.failed()}
}

// TimeoutDuration is Timeout as a time.Duration, DefaultQuestionTimeout when empty.
func (n *Question) TimeoutDuration() time.Duration {
	return durationOr(n.Timeout, DefaultQuestionTimeout)
}

func (n *Question) check(c *checker, path string) {
	if n.Message.Type != "" {
		n.Message.check(c, path+".message")
	}
	n.Answer.check(c, path+".answer")
	n.SaveTo.check(c, path+".saveTo")
}

// Answer says what a valid reply is:
//
//	text    any text
//	number  a number, optionally within min and max
//	email   an email address
//	phone   a phone number (digits, with +, spaces, hyphens or brackets)
//	date    a date, 2006-01-02 (2006/01/02 is accepted too)
//	choice  one of choices (1 to 13 distinct, up to 20 characters each), compared
//	        case-insensitively after trimming spaces
type Answer struct {
	Type    string   `json:"type" validate:"required,oneof=text number email phone date choice"`
	Choices []string `json:"choices,omitempty" validate:"omitempty,max=13,unique,dive,notblank,max=20,singleline"`
	Min     *float64 `json:"min,omitempty"`
	Max     *float64 `json:"max,omitempty"`
}

func (a *Answer) variantFields() ([]string, string, bool) {
	switch a.Type {
	case AnswerChoice:
		return []string{"choices"}, "a choice answer", true
	case AnswerNumber:
		return []string{"min", "max"}, "a number answer", true
	case AnswerText, AnswerEmail, AnswerPhone, AnswerDate:
		return nil, article(a.Type) + " answer", true
	}
	return nil, "", false
}

func (a *Answer) check(c *checker, path string) {
	if a.Type == AnswerChoice && len(a.Choices) == 0 {
		c.add(path+".choices", "a choice answer needs at least 1 choice")
	}
	if a.Min != nil && a.Max != nil && *a.Min > *a.Max {
		c.add(path+".min", fmt.Sprintf("min %v is greater than max %v", *a.Min, *a.Max))
	}
}

// SaveTo says where a valid answer goes; exactly one of:
//
//	{"field": "drink"}        the friend field drink holds the answer
//	{"tag": "{{answer}}"}     the rendered text is added as a tag: {{answer}} stands for
//	                          the answer, so {"tag": "{{answer}}"} adds the answer itself
//	                          and {"tag": "answered_survey"} adds a fixed marker tag
//	{"tagPrefix": "drink:"}   the tag "drink:" + answer is added, and the friend's other
//	                          tags starting with "drink:" are removed (the latest answer wins)
//
// Without saveTo the answer is only checked.
type SaveTo struct {
	Field     string `json:"field,omitempty" validate:"omitempty,ident"`
	Tag       string `json:"tag,omitempty" validate:"max=100,singleline,tmpl=answer"`
	TagPrefix string `json:"tagPrefix,omitempty" validate:"max=50,singleline"`
}

func (s *SaveTo) check(c *checker, path string) {
	set := 0
	for _, v := range []string{s.Field, s.Tag, s.TagPrefix} {
		if v != "" {
			set++
		}
	}
	if set > 1 {
		c.add(path, "takes exactly one of field, tag, tagPrefix")
	}
}
