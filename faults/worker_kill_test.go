package faults_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/internal/testenv"
)

// The worker is a process of its own and is SIGKILLed ten times, at random moments,
// while 200 friends go through the survey (enrolled in a stream, answering as soon as
// the question waits, half through the API and half in LINE). Each kill loses whatever
// the worker held: workflow tasks, local activities (pushes among them) half done, a
// reply on its way. Every run still completes, every friend receives each message
// exactly once and in order, and every trace is whole.
func TestWorkerKilled_TenTimesWhileTwoHundredJourneysRun(t *testing.T) {
	const (
		friends = 200
		kills   = 10
		batch   = 10 // enrolled at once, every enrollEvery
	)
	enrollEvery := 800 * time.Millisecond
	began := time.Now()
	w := newWorld(t)
	w.serveAPI()
	survey := w.activeWorkflow(testenv.SurveyDefinition)
	riders := w.riders(friends)

	worker := w.newProcess("worker")
	worker.start()
	t.Logf("worker process ready after %s", worker.lastStart.Round(time.Millisecond))
	started := time.Now()

	// Enroll in a stream, and answer each question once it waits: beside the kills.
	enrolled := make(chan *rider, friends)
	var (
		wg         sync.WaitGroup
		answered   int
		answerErrs []error
	)
	wg.Go(func() {
		defer close(enrolled)
		for i := 0; i < friends; i += batch {
			var bwg sync.WaitGroup
			for _, r := range riders[i:min(i+batch, friends)] {
				bwg.Go(func() {
					if err := w.enroll(survey, r); err != nil {
						t.Error(err)
						return
					}
					enrolled <- r
				})
			}
			bwg.Wait()
			time.Sleep(enrollEvery)
		}
	})
	wg.Go(func() { answered, answerErrs = w.answerWhenParked(enrolled, 4*time.Minute) })

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	var restarts []time.Duration
	for range kills {
		time.Sleep(500*time.Millisecond + time.Duration(rng.Int64N(int64(1500*time.Millisecond))))
		worker.kill()
		worker.start()
		restarts = append(restarts, worker.lastStart)
	}
	killing := time.Since(started)
	t.Logf("worker SIGKILLed %d times over %s (seed %d) and restarted each time, ready again after %v",
		worker.kills, killing.Round(time.Millisecond), seed, rounded(restarts))

	wg.Wait()
	for _, err := range answerErrs {
		t.Error(err)
	}
	if t.Failed() {
		t.FailNow()
	}
	if answered != friends {
		t.Fatalf("%d of %d friends answered", answered, friends)
	}
	w.waitForCompleted(executionsOf(riders), 3*time.Minute)
	t.Logf("all %d journeys completed %s after the first start, %s after the last kill (%s in all)",
		friends, time.Since(started).Round(time.Millisecond), (time.Since(started) - killing).Round(time.Millisecond),
		time.Since(began).Round(time.Millisecond))
	t.Logf("LINE: %s", w.lineCalls())

	w.checkSurvey(t, survey, riders)
}

func rounded(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
