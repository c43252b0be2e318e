package linefake

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Fault is a failure the server plays instead of, or after, LINE's normal answer. The
// zero value of each field means "not this": a Fault with only Status set answers the
// next matching request with that status without processing it.
//
// Before processing (the default) the request is held for Delay (or, with Hang, until
// the client gives up) and then answered with Status, or processed normally when Status
// is zero; nothing is delivered if the client gives up first. With AfterProcessing the
// request is processed first (messages delivered, reply token used, retry key
// remembered, quota counted) and only then held and answered with Status: the case that
// makes blind retries send a message twice.
type Fault struct {
	// Endpoint limits the fault to one endpoint; empty means any.
	Endpoint Endpoint
	// Match, when set, limits the fault further. It sees the request's side of the
	// Call (no Status yet) and may call the Server's methods.
	Match func(Call) bool

	// Times is how many matching requests the fault hits before it is used up. Zero
	// means once, or, when Probability is set, without limit.
	Times int
	// Probability, when set, makes the fault hit each matching request with this
	// chance, drawn from a generator seeded with Seed, so runs repeat.
	Probability float64
	Seed        uint64

	// Status is the HTTP status to answer (500, 502, 503, 429, ...); zero answers
	// normally after the stall.
	Status int
	// Message is the error body's message; empty means one fitting Status.
	Message string
	// RetryAfter sets a Retry-After header (whole seconds) on the answer.
	RetryAfter time.Duration
	// Delay holds the request this long before answering.
	Delay time.Duration
	// Hang holds the request until the client gives up or the server closes; no
	// answer is ever written.
	Hang bool
	// AfterProcessing plays the fault after LINE has done the work.
	AfterProcessing bool
}

type plannedFault struct {
	Fault
	remaining int // negative: no limit
	rng       *rand.Rand
}

// Inject adds a fault to the plan. Faults are tried in the order injected; the first
// that matches a request and, if probabilistic, wins its draw, is played. It panics on a
// fault that would do nothing or cannot be played.
func (s *Server) Inject(f Fault) {
	switch {
	case f.Status == 0 && f.Delay <= 0 && !f.Hang:
		panic("linefake: a Fault needs a Status, a Delay or Hang")
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		panic(fmt.Sprintf("linefake: Fault.Status %d is not an error status", f.Status))
	case f.Probability < 0 || f.Probability > 1:
		panic(fmt.Sprintf("linefake: Fault.Probability %v is outside [0, 1]", f.Probability))
	}
	pf := &plannedFault{Fault: f, remaining: f.Times}
	if f.Times == 0 {
		pf.remaining = 1
		if f.Probability > 0 {
			pf.remaining = -1
		}
	}
	if f.Probability > 0 {
		pf.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, pf)
}

// ClearFaults removes every fault not yet used up.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults is how many injected faults are not yet used up.
func (s *Server) PendingFaults() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.faults)
}

// pickFault chooses the fault to play for a request, if any, and uses it up. Match runs
// without the lock so it may call back into the server.
func (s *Server) pickFault(call Call) *Fault {
	s.mu.Lock()
	plan := slices.Clone(s.faults)
	s.mu.Unlock()
	for _, pf := range plan {
		if pf.Endpoint != "" && pf.Endpoint != call.Endpoint {
			continue
		}
		if pf.Match != nil && !pf.Match(call) {
			continue
		}
		if s.take(pf) {
			f := pf.Fault
			return &f
		}
	}
	return nil
}

func (s *Server) take(pf *plannedFault) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if pf.remaining == 0 {
		return false // used up by a concurrent request
	}
	if pf.rng != nil && pf.rng.Float64() >= pf.Probability {
		return false
	}
	if pf.remaining > 0 {
		pf.remaining--
		if pf.remaining == 0 {
			s.faults = slices.DeleteFunc(s.faults, func(x *plannedFault) bool { return x == pf })
		}
	}
	return true
}

func (f *Fault) response() response {
	msg := f.Message
	if msg == "" {
		msg = http.StatusText(f.Status)
		if f.Status == http.StatusTooManyRequests {
			msg = msgRateLimited
		}
	}
	resp := lineError(f.Status, msg)
	if f.RetryAfter > 0 {
		secs := int((f.RetryAfter + time.Second - 1) / time.Second)
		resp.header = http.Header{"Retry-After": {strconv.Itoa(secs)}}
	}
	return resp
}
