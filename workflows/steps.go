package workflows

import (
	"sort"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/definition"
)

// stepFunc runs one node of its kind inside the workflow: it schedules what the step
// does outside (activities), waits if the kind waits, and says which outlet it takes.
type stepFunc func(ctx workflow.Context, j *journey, node definition.Node) stepOutcome

// steps maps each step kind the interpreter runs to its function. A kind of the
// definition language missing here is refused at activation (Supports) and named by
// TestSteps_CoverTheLanguage until it is written.
var steps = map[string]stepFunc{
	definition.KindSendAutoMessage: sendAutoMessageStep,
	definition.KindSendData:        sendDataStep,

	definition.KindSendMessage:   sendMessageStep,
	definition.KindQuestion:      questionStep,
	definition.KindBranch:        branchStep,
	definition.KindDelay:         delayStep,
	definition.KindTag:           tagStep,
	definition.KindRichMenu:      richMenuStep,
	definition.KindStartWorkflow: startWorkflowStep,
}

// Supports tells whether the interpreter can run steps of kind.
func Supports(kind string) bool {
	_, ok := steps[kind]
	return ok
}

// SupportedKinds lists the step kinds the interpreter runs, sorted.
func SupportedKinds() []string {
	kinds := make([]string, 0, len(steps))
	for kind := range steps {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	return kinds
}

// retryKeyNamespace scopes the UUIDs of retry keys to Lumo.
var retryKeyNamespace = uuid.MustParse("6f1c2a52-3f0e-4d6b-9a43-8b0f5e7c1d29")

// deterministicUUID is a name-based (SHA-1) UUID: the same name gives the same UUID.
func deterministicUUID(name string) string {
	return uuid.NewSHA1(retryKeyNamespace, []byte(name)).String()
}
