package workflows

import (
	"testing"

	"github.com/lumoworkflows/lumo/definition"
)

func TestCheckAnswer(t *testing.T) {
	min, max := 1.0, 120.0
	cases := []struct {
		name   string
		answer definition.Answer
		reply  string
		want   any
		valid  bool
	}{
		{"text trimmed", definition.Answer{Type: "text"}, "  hello ", "hello", true},
		{"text blank", definition.Answer{Type: "text"}, "   ", nil, false},
		{"number", definition.Answer{Type: "number"}, "42", 42.0, true},
		{"number with thousands", definition.Answer{Type: "number"}, "1,200", 1200.0, true},
		{"number full-width", definition.Answer{Type: "number"}, "３１", 31.0, true},
		{"number below min", definition.Answer{Type: "number", Min: &min, Max: &max}, "0", nil, false},
		{"number above max", definition.Answer{Type: "number", Min: &min, Max: &max}, "121", nil, false},
		{"not a number", definition.Answer{Type: "number"}, "forty", nil, false},
		{"email", definition.Answer{Type: "email"}, "Mina@Shop.example", "mina@shop.example", true},
		{"email full-width at", definition.Answer{Type: "email"}, "mina＠shop.example", "mina@shop.example", true},
		{"email without domain dot", definition.Answer{Type: "email"}, "mina@shop", nil, false},
		{"email with name", definition.Answer{Type: "email"}, "Mina <mina@shop.example>", nil, false},
		{"phone", definition.Answer{Type: "phone"}, "+81 90-1234-5678", "+81 90-1234-5678", true},
		{"phone too short", definition.Answer{Type: "phone"}, "12345", nil, false},
		{"phone letters", definition.Answer{Type: "phone"}, "090-CALL-ME", nil, false},
		{"date", definition.Answer{Type: "date"}, "2026-12-24", "2026-12-24", true},
		{"date slashes", definition.Answer{Type: "date"}, "2026/1/5", "2026-01-05", true},
		{"date impossible", definition.Answer{Type: "date"}, "2026-02-30", nil, false},
		{"choice any case", definition.Answer{Type: "choice", Choices: []string{"Coffee", "Tea"}}, " coffee ", "Coffee", true},
		{"choice unknown", definition.Answer{Type: "choice", Choices: []string{"Coffee", "Tea"}}, "Juice", nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, valid := checkAnswer(tc.answer, tc.reply)
			if valid != tc.valid || got != tc.want {
				t.Fatalf("checkAnswer(%q) = %v, %v; want %v, %v", tc.reply, got, valid, tc.want, tc.valid)
			}
		})
	}
}

func FuzzCheckAnswer(f *testing.F) {
	for _, seed := range []string{"42", "mina@shop.example", "+81 90", "2026-01-01", "Coffee", "", "１２３"} {
		f.Add(seed)
	}
	types := []definition.Answer{
		{Type: "text"}, {Type: "number"}, {Type: "email"}, {Type: "phone"}, {Type: "date"},
		{Type: "choice", Choices: []string{"Coffee", "Tea"}},
	}
	f.Fuzz(func(t *testing.T, reply string) {
		for _, answer := range types {
			value, valid := checkAnswer(answer, reply)
			if valid == (value == nil) {
				t.Fatalf("%s %q: value %v with valid=%v", answer.Type, reply, value, valid)
			}
		}
	})
}
