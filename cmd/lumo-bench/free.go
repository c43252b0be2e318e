package main

import "github.com/lumoworkflows/lumo/internal/linefake"

// freeCount counts the messages that answered a friend's own action (a follow, or a
// message answering a question: events that carry a reply token) and how many of them
// went out through the free Reply API rather than a push.
type freeCount struct {
	answers, replied int
}

func (f *freeCount) add(via linefake.Endpoint) {
	f.answers++
	if via == linefake.EndpointReply {
		f.replied++
	}
}

func (f *freeCount) merge(o freeCount) {
	f.answers += o.answers
	f.replied += o.replied
}

// share is the fraction sent by reply (1 when nothing was counted).
func (f freeCount) share() float64 {
	if f.answers == 0 {
		return 1
	}
	return float64(f.replied) / float64(f.answers)
}

const freeTarget = 0.95

func (f freeCount) met() bool { return f.share() >= freeTarget }
