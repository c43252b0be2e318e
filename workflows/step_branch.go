package workflows

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/definition"
)

// branchStep reads the friend's tags and fields as they are now and takes the first
// branch whose condition holds, else the else outlet. Segment membership is read from
// the database when a condition asks for it, at this visit: a friend tagged a moment ago
// (by another run, or by hand) is in or out of a segment as of now.
func branchStep(ctx workflow.Context, j *journey, node definition.Node) stepOutcome {
	b := node.(*definition.Branch)
	friend, err := j.snapshot(ctx)
	if err != nil {
		return failedOutcome(err)
	}
	inSegment := j.segmentMembership(ctx)
	for i, branch := range b.Branches {
		holds, err := evaluate(branch.When, friend, j.in.Trigger, inSegment)
		if err != nil {
			return failedOutcome(err)
		}
		if holds {
			return follow(node, fmt.Sprintf("branches[%d].next", i))
		}
	}
	return follow(node, "else")
}

// segmentMembership answers whether the run's friend is in a segment, reading it with a
// local activity the first time a visit asks about that segment (the same segment twice
// in one branch step is read once, so its branches agree with each other).
//
// Runs that reached a segment condition before segments could be tested failed there;
// without the changeSegmentConditions marker they replay that way.
func (j *journey) segmentMembership(ctx workflow.Context) func(segmentID string) (bool, error) {
	read := map[string]bool{}
	return func(segmentID string) (bool, error) {
		if member, ok := read[segmentID]; ok {
			return member, nil
		}
		if workflow.GetVersion(ctx, changeSegmentConditions, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
			return false, temporal.NewNonRetryableApplicationError("segment conditions are not available yet", "KindUnavailable", nil)
		}
		var member bool
		in := activities.SegmentMemberInput{Friend: j.friendRef(), SegmentID: segmentID}
		if err := workflow.ExecuteLocalActivity(dbOptions(ctx), activities.FriendsInSegmentName, in).Get(ctx, &member); err != nil {
			return false, err
		}
		read[segmentID] = member
		return member, nil
	}
}

// evaluate tells whether a condition holds for a friend and the run's trigger values.
// Apart from inSegment, which reads segment membership through an activity, it is pure:
// the friend's data was read by an activity and the trigger is the run's input, so
// replay gives the same answer.
func evaluate(cond definition.Condition, friend activities.FriendSnapshot, trigger map[string]string, inSegment func(segmentID string) (bool, error)) (bool, error) {
	switch {
	case cond.Tag != "":
		return slices.Contains(friend.Tags, cond.Tag), nil
	case cond.NotTag != "":
		return !slices.Contains(friend.Tags, cond.NotTag), nil
	case cond.Segment != "":
		return inSegment(cond.Segment)
	case cond.All != nil:
		for _, c := range cond.All {
			if ok, err := evaluate(c, friend, trigger, inSegment); err != nil || !ok {
				return false, err
			}
		}
		return true, nil
	case cond.Any != nil:
		for _, c := range cond.Any {
			if ok, err := evaluate(c, friend, trigger, inSegment); err != nil || ok {
				return ok, err
			}
		}
		return false, nil
	case cond.Trigger != "":
		value, ok := trigger[cond.Trigger]
		if !ok {
			return compareField(cond, nil), nil
		}
		return compareField(cond, value), nil
	}
	return compareField(cond, friend.Fields[cond.Field]), nil
}

// compareField applies a field condition. gt to lte compare numbers as numbers when
// both sides are numbers, and text otherwise.
func compareField(cond definition.Condition, value any) bool {
	present := value != nil && formatValue(value) != ""
	if cond.Op == "exists" {
		return present
	}
	if !present {
		return cond.Op == "ne"
	}
	have, want := formatValue(value), formatValue(cond.Value)
	haveNum, errHave := strconv.ParseFloat(have, 64)
	wantNum, errWant := strconv.ParseFloat(want, 64)
	numeric := errHave == nil && errWant == nil
	order := strings.Compare(have, want)
	if numeric {
		switch {
		case haveNum < wantNum:
			order = -1
		case haveNum > wantNum:
			order = 1
		default:
			order = 0
		}
	}
	switch cond.Op {
	case "eq":
		return order == 0
	case "ne":
		return order != 0
	case "gt":
		return order > 0
	case "gte":
		return order >= 0
	case "lt":
		return order < 0
	case "lte":
		return order <= 0
	case "contains":
		return strings.Contains(strings.ToLower(have), strings.ToLower(want))
	}
	return false
}
