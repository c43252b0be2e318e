package activities_test

import (
	"encoding/json"
	"testing"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/database"
	"github.com/lumoworkflows/lumo/internal/testenv"
	"github.com/lumoworkflows/lumo/models"
	"github.com/lumoworkflows/lumo/segments"
)

// InSegment answers membership as the data stands at the call, and a segment that is not
// the friend's workspace's (or is gone) is a NotFound that retrying cannot cure.
func TestFriends_InSegmentReadsMembershipNow(t *testing.T) {
	testenv.EachDatabase(t, func(t *testing.T, db *database.DB) {
		f := newDBFixture(t, db)
		friends := &activities.Friends{Store: f.store}
		vips := segments.Definition{Groups: []segments.Group{{Conditions: []segments.Condition{
			{Property: "tag", Op: "contains_any", Value: json.RawMessage(`["vip"]`)},
		}}}}
		mine, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.ws.ID, Name: "VIPs", Definition: vips})
		if err != nil {
			t.Fatal(err)
		}
		theirs, err := f.store.CreateSegment(f.ctx, models.Segment{WorkspaceID: f.other.ID, Name: "VIPs", Definition: vips})
		if err != nil {
			t.Fatal(err)
		}
		ask := func(segmentID string) (bool, error) {
			return friends.InSegment(f.ctx, activities.SegmentMemberInput{Friend: f.ref(), SegmentID: segmentID})
		}

		if member, err := ask(mine.ID); err != nil || member {
			t.Fatalf("before the tag: %v, %v; want not a member", member, err)
		}
		if err := f.store.AddFriendTags(f.ctx, f.ws.ID, f.friend.ID, []string{"vip"}, ""); err != nil {
			t.Fatal(err)
		}
		if member, err := ask(mine.ID); err != nil || !member {
			t.Fatalf("after the tag: %v, %v; want a member", member, err)
		}
		_, err = ask(theirs.ID)
		wantNonRetryable(t, "another workspace's segment", err, activities.ErrNotFound)
		if err := f.store.DeleteSegment(f.ctx, f.ws.ID, mine.ID); err != nil {
			t.Fatal(err)
		}
		_, err = ask(mine.ID)
		wantNonRetryable(t, "a deleted segment", err, activities.ErrNotFound)
	})
}
