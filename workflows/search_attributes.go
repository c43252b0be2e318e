package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// The search attributes every journey run carries, so that the Temporal Web UI and
// visibility queries can find runs by workspace, workflow, version, friend and the node a
// run is at. The Temporal dev server allows at most 10 custom keyword attributes.
var (
	AttrWorkspaceID = temporal.NewSearchAttributeKeyKeyword("LumoWorkspaceId")
	AttrWorkflowID  = temporal.NewSearchAttributeKeyKeyword("LumoWorkflowId")
	AttrVersion     = temporal.NewSearchAttributeKeyInt64("LumoVersion")
	AttrFriendID    = temporal.NewSearchAttributeKeyKeyword("LumoFriendId")
	AttrLineUserID  = temporal.NewSearchAttributeKeyKeyword("LumoLineUserId")
	AttrCurrentNode = temporal.NewSearchAttributeKeyKeyword("LumoCurrentNode")
)

// SearchAttributes lists every custom search attribute with its type, for registering
// them on a namespace (the embedded server at start, an external cluster by the worker).
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		AttrWorkspaceID.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrWorkflowID.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrVersion.GetName():     enumspb.INDEXED_VALUE_TYPE_INT,
		AttrFriendID.GetName():    enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrLineUserID.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		AttrCurrentNode.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
	}
}
