package activities

import (
	"encoding/json"
	"time"
)

// The names activities are registered under: what a run's history in the Temporal Web
// UI shows for each step.
const (
	LinePushName           = "line.Push"
	LineReplyName          = "line.Reply"
	LineLinkRichMenuName   = "line.LinkRichMenu"
	LineUnlinkRichMenuName = "line.UnlinkRichMenu"
	FriendsSnapshotName    = "friends.Snapshot"
	FriendsAddTagsName     = "friends.AddTags"
	FriendsRemoveTagsName  = "friends.RemoveTags"
	FriendsSetFieldName    = "friends.SetField"
	FriendsInSegmentName   = "friends.InSegment"
	ExecutionsStepName     = "executions.RecordStep"
	ExecutionsUpdateName   = "executions.Update"
	AutoMessagesGetName    = "autoMessages.Get"
	HTTPSendDataName       = "http.SendData"
	// ExecutionsEjectBatchName ejects a batch of a stopped workflow's running runs.
	ExecutionsEjectBatchName = "executions.EjectBatch"
	// The inbox of a friend's LINE events.
	FriendsFromEventName          = "friends.FromEvent"
	ExecutionsAwaitingAnswerName  = "executions.AwaitingAnswer"
	ExecutionsRunningOfFriendName = "executions.RunningOfFriend"
	WorkflowsTriggeredName        = "workflows.Triggered"
	// WorkflowsStartName enrolls the friend in another workflow (start_workflow).
	WorkflowsStartName = "workflows.Start"
)

// Error types of the ApplicationErrors activities return, for the workflow to tell a
// refusal it must not retry from a passing fault Temporal retries.
const (
	// ErrLineRejected: LINE refused the request (400, 401, 403): retrying cannot help.
	ErrLineRejected = "LineRejected"
	// ErrLineQuotaExceeded: the channel's monthly push quota is spent (429 "monthly limit").
	ErrLineQuotaExceeded = "LineQuotaExceeded"
	// ErrReplyTokenInvalid: the reply token is unknown, used or expired; push instead.
	ErrReplyTokenInvalid = "ReplyTokenInvalid"
)

// Recipient names one friend on one LINE account.
type Recipient struct {
	WorkspaceID   string
	LineAccountID string
	FriendID      string
	LineUserID    string
}

// PushInput sends messages with the Push API. RetryKey (a UUID derived from workflow,
// run, node and visit) makes a repeated push a no-op at LINE: a 409 is success.
type PushInput struct {
	Recipient Recipient
	// Messages are LINE message objects, rendered: templates filled in, product cards
	// turned into flex messages.
	Messages []json.RawMessage
	RetryKey string
}

// ReplyInput answers a friend's own action with the free Reply API.
type ReplyInput struct {
	Recipient  Recipient
	ReplyToken string
	Messages   []json.RawMessage
}

// SendResult says how messages went out.
type SendResult struct {
	// API is "push" or "reply".
	API      string
	Messages int
	// RequestID is LINE's X-Line-Request-Id (of the first acceptance, on a repeat).
	RequestID string
}

// RichMenuInput links a rich menu to a friend, or unlinks theirs (RichMenuID empty).
type RichMenuInput struct {
	Recipient  Recipient
	RichMenuID string
}

// FriendRef names a friend of a workspace.
type FriendRef struct {
	WorkspaceID string
	FriendID    string
}

// FriendSnapshot is what steps read about a friend, fresh at the step: conditions test
// tags and fields, text templates fill in the profile.
type FriendSnapshot struct {
	ID          string
	LineUserID  string
	DisplayName string
	PictureURL  string
	Language    string
	Tags        []string
	Fields      map[string]any
	Blocked     bool
}

// TagsInput adds or removes tags on a friend. With RemovePrefix set, AddTags first
// removes the friend's other tags that start with it (a question's tagPrefix: the latest
// answer wins).
type TagsInput struct {
	Friend       FriendRef
	Tags         []string
	RemovePrefix string
}

// SetFieldInput saves a value in one of a friend's custom fields.
type SetFieldInput struct {
	Friend FriendRef
	Field  string
	Value  any
}

// SegmentMemberInput asks whether a friend is in a segment of the friend's workspace.
type SegmentMemberInput struct {
	Friend    FriendRef
	SegmentID string
}

// StepRecord is one row of an execution's trace: one visit to one node. Writing the same
// (execution, node, visit) again updates the row.
type StepRecord struct {
	WorkspaceID string
	ExecutionID string
	WorkflowID  string
	NodeID      string
	NodeType    string
	Visit       int
	// Outcome is "succeeded", "failed", "waiting" (a question or delay in progress) or
	// "ejected".
	Outcome    string
	Outlet     string
	Error      string
	LineAPI    string
	Messages   int
	StartedAt  time.Time
	FinishedAt *time.Time
}

// ExecutionUpdate changes an execution's row as the run moves or ends.
type ExecutionUpdate struct {
	WorkspaceID string
	ExecutionID string
	// Status is "running", "completed", "failed" or "ejected".
	Status      string
	CurrentNode string
	Error       string
	FinishedAt  *time.Time
}
