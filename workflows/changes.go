package workflows

// Workflow code changes, each gated with workflow.GetVersion so that runs started before
// it replay as they ran (workflows/testdata/histories holds such runs).
const (
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
)
