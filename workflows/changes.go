package workflows

// Workflow code changes, each gated with workflow.GetVersion so that runs started before
// it replay as they ran (workflows/testdata/histories holds such runs).
//
// A journey started by this interpreter asks once, at its start, for changeInterpreter:
// at version 1 every change below is in, and the run records one version marker
// instead of one per change. Each marker also upserts Temporal's TemporalChangeVersion
// search attribute: an event and a visibility write, which cmd/lumo-bench counts per
// run. Runs started before changeInterpreter (their histories have no marker for it)
// still ask for each change where it applies, as they did. A change made after this
// one gets a GetVersion of its own again (or a new interpreter version, if it applies
// from the start of a run).
const (
	// changeInterpreter: version 1 takes every journey change below.
	changeInterpreter = "interpreter"
	// changeExitConditions: runs whose workflow has settings.exitOn listen for the exit
	// signal.
	changeExitConditions = "exit-conditions"
	// changeWaitBeforeAsking: a question records that it waits for an answer before it
	// sends the question, not after.
	changeWaitBeforeAsking = "wait-before-asking"
	// changeReplyAsActivity: the Reply API is called from a regular activity, not a
	// local one (see replyOptions).
	changeReplyAsActivity = "reply-as-activity"
	// changeInboxLocalEnroll: the inbox enrolls through a local activity.
	changeInboxLocalEnroll = "inbox-local-enroll"
	// changeReplyFailurePushes: a reply that keeps failing until its token expires is
	// pushed instead of failing the run.
	changeReplyFailurePushes = "reply-failure-pushes"
	// changeCurrentNodeWhereItWaits: the LumoCurrentNode search attribute is not
	// upserted for tag and branch steps nor when it already holds the node (see enter).
	changeCurrentNodeWhereItWaits = "current-node-where-it-waits"
	// changeSegmentConditions: a branch's {"segment": id} reads the friend's membership
	// through an activity (before, the condition failed the run). Asked for where a
	// segment condition is evaluated, so only runs that test one record it.
	changeSegmentConditions = "segment-conditions"
)
