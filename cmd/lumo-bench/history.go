package main

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
)

// history is the event history of one workflow run, read back from the server after
// a measurement: how many events it took, and when its milestones happened by the
// server's clock (the same clock as the benchmark's: one process).
type history struct {
	events []*historypb.HistoryEvent
}

func (e *env) history(ctx context.Context, workflowID string) (history, error) {
	var h history
	it := e.temporal.GetWorkflowHistory(ctx, workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for it.HasNext() {
		event, err := it.Next()
		if err != nil {
			return h, err
		}
		h.events = append(h.events, event)
	}
	return h, nil
}

// started is when the run started.
func (h history) started() time.Time {
	if len(h.events) == 0 {
		return time.Time{}
	}
	return h.events[0].GetEventTime().AsTime()
}

// nth is the time of the n-th (from 1) event of the type, or zero.
func (h history) nth(typ enumspb.EventType, n int) time.Time {
	for _, e := range h.events {
		if e.GetEventType() == typ {
			n--
			if n == 0 {
				return e.GetEventTime().AsTime()
			}
		}
	}
	return time.Time{}
}

// activity returns when the first activity of the type was scheduled, started and
// completed (zero times when it was not).
func (h history) activity(activityType string) (scheduled, started, completed time.Time) {
	var id int64
	for _, e := range h.events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			if id == 0 && e.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName() == activityType {
				id = e.GetEventId()
				scheduled = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_STARTED:
			if id != 0 && e.GetActivityTaskStartedEventAttributes().GetScheduledEventId() == id {
				started = e.GetEventTime().AsTime()
			}
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			if id != 0 && e.GetActivityTaskCompletedEventAttributes().GetScheduledEventId() == id {
				completed = e.GetEventTime().AsTime()
			}
		}
	}
	return scheduled, started, completed
}

// taskStartedAfter is when the first workflow task started after t.
func (h history) taskStartedAfter(t time.Time) time.Time {
	for _, e := range h.events {
		if e.GetEventType() == enumspb.EVENT_TYPE_WORKFLOW_TASK_STARTED && e.GetEventTime().AsTime().After(t) {
			return e.GetEventTime().AsTime()
		}
	}
	return time.Time{}
}

// count is how many events of each kind the history has: workflow tasks, activity
// tasks, local activity markers, search attribute updates, and all.
type eventCount struct {
	all, workflowTasks, activities, localActivities, upserts int
}

func (h history) count() eventCount {
	c := eventCount{all: len(h.events)}
	for _, e := range h.events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
			c.workflowTasks++
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			c.activities++
		case enumspb.EVENT_TYPE_MARKER_RECORDED:
			c.localActivities++
		case enumspb.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
			c.upserts++
		}
	}
	return c
}

// timeline is a run's milestones in order; its steps are the gaps between them.
type timeline struct {
	names []string
	times []time.Time
}

func (t *timeline) mark(name string, at time.Time) {
	t.names = append(t.names, name)
	t.times = append(t.times, at)
}

// complete is true when every milestone was found.
func (t timeline) complete() bool {
	for _, at := range t.times {
		if at.IsZero() {
			return false
		}
	}
	return true
}

// steps are the gaps: steps()[i] is from milestone i to milestone i+1.
func (t timeline) steps() []time.Duration {
	var out []time.Duration
	for i := 1; i < len(t.times); i++ {
		out = append(out, t.times[i].Sub(t.times[i-1]))
	}
	return out
}

// breakdown collects timelines of the same shape and gives each step's median.
type breakdown struct {
	names []string
	steps []sample
	runs  int
}

func (b *breakdown) add(t timeline) {
	if !t.complete() {
		return
	}
	if b.names == nil {
		b.names = t.names
		b.steps = make([]sample, len(t.names)-1)
	}
	for i, d := range t.steps() {
		b.steps[i] = append(b.steps[i], d)
	}
	b.runs++
}
