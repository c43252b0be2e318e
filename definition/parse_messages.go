package definition

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/lumoworkflows/lumo/internal/strictjson"
)

// messageList is what ParseMessages reads: the list under the key "messages", so that
// problems come out at the paths an API body has ("messages[0].text").
type messageList struct {
	Messages []Message `json:"messages" validate:"required,min=1,max=5,dive"`
}

// ParseMessages reads a JSON array of one to five LINE messages in the definition
// language's format (an auto message's, say) as strictly as Parse reads a send_message
// step's: each message takes exactly the fields of its type, with the same limits,
// LINE's rules across fields, and the same {{…}} checks. Problems are at paths under
// "messages" ("messages[0].text", "messages[1].template.actions"), in document order;
// the messages come back in canonical form, as far as they could be read.
//
// Messages outside a workflow have no trigger and no vars of their own: {{friend.…}}
// names are checked as in a definition, {{trigger.X}} is accepted (it renders what the
// trigger of the run that sends the message provides, and empty elsewhere), and
// {{vars.X}} is refused, since vars belong to one workflow.
func ParseMessages(data []byte) ([]Message, Problems) {
	const path = "messages"
	switch {
	case isNull(data):
		return nil, Problems{{Path: path, Message: "required"}}
	case !json.Valid(data):
		return nil, Problems{{Path: path, Message: "must be a JSON array of messages"}}
	case jsonKind(data) != "an array":
		return nil, Problems{{Path: path, Message: "must be an array of 1 to 5 messages, not " + jsonKind(data)}}
	}
	if depth := nesting(data); depth+1 > maxNesting {
		return nil, Problems{{Path: path, Message: fmt.Sprintf("messages nest %d levels deep; the limit is %d", depth, maxNesting-1)}}
	}
	// data is valid JSON, so wrapping it is too.
	wrapped := append(append([]byte(`{"messages":`), data...), '}')

	p := &parser{unknown: map[string]string{}}
	p.duplicateKeys(wrapped)
	var list messageList
	_ = json.Unmarshal(wrapped, &list) // as far as it goes; inspect reports what went wrong
	for at, msg := range strictjson.UnknownKeys(wrapped, reflect.TypeOf(list), "") {
		p.unknown[at] = msg
	}
	p.inspect(wrapped, reflect.ValueOf(&list).Elem(), "")

	c := &checker{}
	c.fields(&list, "")
	for i := range list.Messages {
		list.Messages[i].check(c, fmt.Sprintf("%s[%d]", path, i))
	}
	normalize(reflect.ValueOf(&list).Elem())

	problems := p.problems
	for _, problem := range c.problems {
		if !p.unreadableAt(problem.Path) {
			problems = append(problems, problem)
		}
	}
	for at, msg := range p.unknown {
		if trimmed, ok := strings.CutSuffix(at, "."); ok { // the key is ""
			at, msg = trimmed, `unknown field ""`
		}
		problems = append(problems, Problem{Path: at, Message: msg})
	}
	return list.Messages, problems.sorted()
}
