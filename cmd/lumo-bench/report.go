package main

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/lumoworkflows/lumo/app"
)

// report gathers a run's figures and writes BENCHMARKS.md.
type report struct {
	opts    options
	began   time.Time
	machine machine
	startup time.Duration
	elapsed time.Duration
	// database and temporalStore say where the app's data and Temporal's state live.
	database, temporalStore string
	p1                      *p1Result
	p2                      *p2Result
	p3                      *p3Result
	p4                      *p4Result
	p5                      *p5Result
	// journeyCosts is P1's result, also when P1 only set up P2: what one event costs.
	journeyCosts *p1Result
	// load is, per scenario ("run" for the whole), how busy the machine was.
	load map[string]load
}

// load is how much of the machine's CPU this process and others used over a span.
type load struct {
	own, others, steal float64
	avgFrom, avgTo     string
}

func measureLoad(from, to cpuSnapshot) load {
	others, steal, own := shares(from, to)
	return load{own: own, others: others, steal: steal, avgFrom: from.load, avgTo: to.load}
}

func (l load) String() string {
	return fmt.Sprintf("Meanwhile this process used %.0f%% of the machine's CPU, others %.0f%% (of which %.0f%% stolen by the hypervisor for other machines; load average %s → %s)",
		100*l.own, 100*l.others, 100*l.steal, l.avgFrom, l.avgTo)
}

// free is the free-message count across the scenarios run.
func (r *report) free() freeCount {
	var f freeCount
	if r.p1 != nil {
		f.merge(r.p1.free)
	}
	if r.p2 != nil {
		f.merge(r.p2.free)
	}
	if r.p3 != nil {
		f.merge(r.p3.free)
	}
	return f
}

func (r *report) freeSummary() string {
	f := r.free()
	return fmt.Sprintf("Free messages: %d of %d answers to a friend's own action went out by reply (%.1f%%; target ≥ %.0f%%: %s)",
		f.replied, f.answers, 100*f.share(), 100*freeTarget, verdict(f.met()))
}

// write writes the report to path. The sections of scenarios this run did not run are
// kept from the file at path, each marked with when it was measured.
func (r *report) write(path string) error {
	prev := readPrevious(path)
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	m := r.machine
	measured := r.began.UTC().Format(dateLayout)
	product := r.p1 != nil || r.p2 != nil || r.p3 != nil || r.p4 != nil
	journeys := r.p1 != nil || r.p2 != nil || r.p3 != nil

	w("# Benchmarks\n\n")
	w("Measured by `make bench` (`go run ./cmd/lumo-bench`) on %s, in %s. One process runs what\n", measured, r.elapsed.Round(time.Second))
	w("`lumo dev` runs (the embedded Temporal server, the worker, the API) with the fake LINE\n")
	w("(`internal/linefake`, no added latency) in place of api.line.me, and drives it with signed LINE\n")
	w("webhooks, as LINE would; P4 sends broadcasts through it, P5 counts a segment on PostgreSQL. This file is written by that run; run it again to refresh it. A quick\n")
	w("look at one scenario: `go run ./cmd/lumo-bench -only P1 -rounds 20` (flags: `-h`).")
	if kept := r.keptScenarios(prev); len(kept) > 0 {
		w(" That run measured %s only; %s %s kept from earlier runs, each section saying when.",
			strings.Join(r.ranScenarios(), ", "), strings.Join(kept, ", "), map[bool]string{true: "is", false: "are"}[len(kept) == 1])
	}
	w("\n\n")

	w("## Machine\n\n| | |\n| --- | --- |\n")
	w("| CPU | %s, %d cores |\n", m.cpu, m.cores)
	w("| RAM | %s |\n", m.memory)
	w("| OS | %s |\n", m.os)
	w("| Go | %s |\n", m.goVer)
	w("| Temporal server | go.temporal.io/server %s |\n", m.versions["go.temporal.io/server"])
	w("| Temporal SDK | go.temporal.io/sdk %s (API go.temporal.io/api %s) |\n", m.versions["go.temporal.io/sdk"], m.versions["go.temporal.io/api"])
	if product {
		w("| App database | %s |\n", r.database)
		w("| Temporal's persistence | %s |\n", r.temporalStore)
		if len(r.opts.dynamicConfig) > 0 {
			w("| Temporal dynamic config overrides (`-dynamic-config`) | %v |\n", r.opts.dynamicConfig)
		}
		w("| Start-up | everything up %s after the process started |\n", r.startup.Round(10*time.Millisecond))
	} else {
		for _, row := range productMachineRows {
			if line, ok := prev.machine[row]; ok {
				w("%s\n", line)
			}
		}
	}
	if p := r.p5; p != nil {
		w("| %s | %s (%s) |\n", segmentDatabaseRow, p.server, p.buffers)
	} else if line, ok := prev.machine[segmentDatabaseRow]; ok {
		w("%s\n", line)
	}
	w("| Machine load | %s |\n\n", strings.TrimPrefix(r.load["run"].String(), "Meanwhile "))

	r.writeSummary(w, prev)
	for _, s := range []struct {
		key   string
		ran   bool
		write func(writer)
	}{
		{"P1", r.p1 != nil, r.writeP1},
		{"P2", r.p2 != nil, r.writeP2},
		{"P3", r.p3 != nil, r.writeP3},
		{"P4", r.p4 != nil, r.writeP4},
		{"P5", r.p5 != nil, r.writeP5},
		{"Free", journeys, r.writeFree},
	} {
		if s.ran {
			s.write(w)
		} else if section, ok := prev.sections[s.key]; ok {
			w("%s", keptSection(section, prev.measured))
		}
	}
	return os.WriteFile(path, append(bytes.TrimRight(b.Bytes(), "\n"), '\n'), 0o644)
}

// ranScenarios names the scenarios this run measured.
func (r *report) ranScenarios() []string {
	var names []string
	for _, s := range []struct {
		name string
		ran  bool
	}{{"P1", r.p1 != nil}, {"P2", r.p2 != nil}, {"P3", r.p3 != nil}, {"P4", r.p4 != nil}, {"P5", r.p5 != nil}} {
		if s.ran {
			names = append(names, s.name)
		}
	}
	return names
}

// keptScenarios names the scenarios whose sections come from the previous file.
func (r *report) keptScenarios(prev previousReport) []string {
	var names []string
	for _, name := range scenarioNames {
		if _, ok := prev.sections[name]; ok && !slices.Contains(r.ranScenarios(), name) {
			names = append(names, name)
		}
	}
	return names
}

type writer func(format string, args ...any)

func (r *report) writeSummary(w writer, prev previousReport) {
	w("## Results\n\n")
	w("| Benchmark | p50 | p99 | Target | |\n| --- | --- | --- | --- | --- |\n")
	// keep writes the previous file's rows of a scenario this run did not run.
	keep := func(key string) {
		for _, row := range prev.rows[key] {
			w("%s\n", row)
		}
	}
	if r.p1 == nil {
		keep("P1")
	}
	if p := r.p1; p != nil {
		w("| P1 journey latency, Lumo: follow webhook → last LINE call of a 5-step journey | %s | %s | p50 ≤ %s, p99 ≤ %s | %s, %s |\n",
			ms(p.lumo.p50()), ms(p.lumo.p99()), ms(p1TargetP50), ms(p1TargetP99), verdict(p.metP50()), verdict(p.metP99()))
		w("| P1 the same calls in a hand-written Temporal workflow | %s | %s | | |\n", ms(p.hand.p50()), ms(p.hand.p99()))
		w("| P1 ratio Lumo / hand-written (of the p50s; of the p99s %.2f) | %.2f | | ≤ %.1f | %s |\n",
			ratio(p.lumo.p99(), p.hand.p99()), p.ratio(), p1TargetRatio, verdict(p.metRatio()))
	}
	if r.p2 == nil {
		keep("P2")
	}
	if p := r.p2; p != nil {
		sustained := "none tried"
		if p.sustained > 0 {
			sustained = fmt.Sprintf("%d events/s", p.sustained)
		}
		w("| P2 ingest: highest rate sustained (every journey completed, webhook ack p99 ≤ %s) | %s | | ≥ %d events/s | %s |\n",
			ms(p2TargetAck), sustained, p2TargetRate, verdict(p.sustained >= p2TargetRate))
		w("| P2 raw StartWorkflow rate of the same server (trivial workflow, %d concurrent) | %.0f starts/s | | (the substrate's ceiling) | |\n",
			p.raw.concurrency, p.raw.startRate())
	}
	if r.p3 == nil {
		keep("P3")
	}
	if p := r.p3; p != nil {
		w("| P3 process RSS with %d friends parked on a question (when the last one parked: %s) | %s | | ≤ %s | %s |\n",
			p.parkedRuns, mib(p.parked.rss), mib(p.settled.rss), mib(p3TargetRSS), verdict(p.metRSS()))
		w("| P3 reply → next message (%d replies) | %s | %s | p99 ≤ %s | %s |\n",
			len(p.replies), ms(p.replies.p50()), ms(p.replies.p99()), ms(p3TargetReply), verdict(p.metReply()))
	}
	if p := r.p4; p != nil {
		w("| P4 segment broadcast to %d friends, unthrottled: recipients a second leaving for LINE | %.0f/s | | ≥ %d/s | %s |\n",
			p.friends, p.unthrottled.recipientRate, p4TargetRecipients, verdict(p.metUnthrottled()))
		w("| P4 the same at `LUMO_BROADCAST_RATE=%d`: requests a second | %.2f/s (%.2f%% off) | | within %.0f%% | %s |\n",
			p.throttled.rate, p.throttled.requestRate, 100*p.throttled.rateError(), 100*p4TargetRateError, verdict(p.metThrottled()))
	} else {
		keep("P4")
	}
	if p := r.p5; p != nil {
		w("| P5 segment count: %d friends, 3 conditions in 2 groups, on PostgreSQL | %s | %s | p50 ≤ %s | %s |\n",
			p.friends, ms(p.counts.p50()), ms(p.counts.p99()), ms(p5TargetP50), verdict(p.met()))
	} else {
		keep("P5")
	}
	if journeys := r.p1 != nil || r.p2 != nil || r.p3 != nil; journeys {
		f := r.free()
		w("| Free messages: answers to a friend's own action sent by reply | %.1f%% (%d of %d) | | ≥ %.0f%% | %s |\n",
			100*f.share(), f.replied, f.answers, 100*freeTarget, verdict(f.met()))
	} else {
		keep("Free")
	}

	var parts []string
	if r.p5 != nil {
		parts = append(parts, fmt.Sprintf("P5 %s (its database seeded in %s)", r.p5.elapsed.Round(time.Second), r.p5.seedTook.Round(time.Second)))
	}
	if r.startup > 0 {
		parts = append(parts, fmt.Sprintf("start-up %s", r.startup.Round(100*time.Millisecond)))
	}
	if r.p1 != nil {
		parts = append(parts, fmt.Sprintf("P1 %s", r.p1.elapsed.Round(time.Second)))
	}
	if r.p3 != nil {
		parts = append(parts, fmt.Sprintf("P3 %s", r.p3.elapsed.Round(time.Second)))
	}
	if r.p2 != nil {
		parts = append(parts, fmt.Sprintf("P2 %s", r.p2.elapsed.Round(time.Second)))
	}
	if r.p4 != nil {
		parts = append(parts, fmt.Sprintf("P4 %s", r.p4.elapsed.Round(time.Second)))
	}
	w("\nElapsed: %s", strings.Join(parts, ", "))
	w("; %s in all (the build that `make bench` runs first is not counted).\n\n", r.elapsed.Round(time.Second))
}

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func (r *report) writeP1(w writer) {
	p := r.p1
	w("## P1: journey latency\n\n")
	w("A new friend follows the account: a signed `follow` webhook (with a reply token) goes to the API,\n")
	w("and the clock stops when the fake LINE records the journey's last message. The journey is\n")
	w("`send_message` (\"Welcome, {{friend.displayName}}!\"), `tag`, `branch` on the tag, `send_message`,\n")
	w("`send_message`, triggered by `friend_added`. The baseline is the same journey written by hand\n")
	w("(`cmd/lumo-bench/handwritten.go`): a webhook handler that checks the signature and starts one\n")
	w("workflow, which calls the same activities (friend record with the LINE profile, snapshot, reply,\n")
	w("add tag, snapshot, two pushes) with the same options, on the same worker and server. %d rounds\n", p.rounds)
	w("on each side after %d of warm-up, one journey at a time, the two sides alternating; each round\n", p.warmup)
	w("waits for its run to end before the next starts. %s.\n\n", r.load["P1"])
	w("| | p50 | p99 | max | webhook ack p50 | CPU per run p50 |\n| --- | --- | --- | --- | --- | --- |\n")
	w("| Lumo | %s | %s | %s | %s | %s |\n", ms(p.lumo.p50()), ms(p.lumo.p99()), ms(p.lumo.max()), ms(p.lumoAck.p50()), ms(p.lumoCPU.p50()))
	w("| hand-written | %s | %s | %s | %s | %s |\n\n", ms(p.hand.p50()), ms(p.hand.p99()), ms(p.hand.max()), ms(p.handAck.p50()), ms(p.handCPU.p50()))

	w("Where the time goes: each run's history, read back after the measurement, gives the server's\n")
	w("time of each milestone (same clock: one process); the rows are the gaps between milestones, median\n")
	w("and p99 over the %d runs.\n\n", p.lumoSteps.runs)
	writeBreakdown(w, "Lumo", p.lumoSteps)
	writeBreakdown(w, "Hand-written", p.handSteps)
	w("History events per run: the inbox %s; the journey %s; the hand-written workflow %s.\n\n",
		describeEvents(p.inboxEvents), describeEvents(p.journeyEvents), describeEvents(p.handEvents))

	if !p.metP50() || !p.metP99() || !p.metRatio() {
		w("**What limits it.** ")
		w("Lumo's run is two workflows where the hand-written app has one: the webhook hands the event to\n")
		w("the friend's inbox workflow (events of one friend in order, redeliveries dropped, the trigger\n")
		w("looked up, the enrollment made and recorded), which starts the journey. That costs a second\n")
		w("trip through the task queue and a workflow task of database work (%s and %s at the median\n",
			ms(p.lumoSteps.medianOf("inbox's first workflow task")), ms(p.lumoSteps.medianOf("inbox task")))
		w("above; the hand-written workflow does the friend record too, in its first task, %s). The\n", ms(p.handSteps.medianOf("task:")))
		w("interpreter then writes a trace row per step and the run's status as it ends, records its\n")
		w("version marker, and moves the `LumoCurrentNode` search attribute at the steps that call out\n")
		w("(%d search-attribute updates, with the marker's `TemporalChangeVersion`, each a write to\n", p.journeyEvents.upserts)
		w("Temporal's visibility table), which is why its history has %d events against the\n", p.journeyEvents.all)
		w("hand-written %d, and a run costs %s of CPU against %s. What is left is\n",
			p.handEvents.all, ms(p.lumoCPU.p50()), ms(p.handCPU.p50()))
		w("Temporal's: each trip through a task queue (a new workflow task, or the one after the reply\n")
		w("activity completes) costs a few milliseconds on this server, whose single history shard and\n")
		w("single SQLite connection to its main database serve every request in turn.\n\n")
	}
}

func writeBreakdown(w writer, title string, b breakdown) {
	if b.runs == 0 {
		w("(%s: no complete timeline: a milestone was missing from the histories.)\n\n", title)
		return
	}
	w("| %s: from the previous milestone to… | p50 | p99 |\n| --- | --- | --- |\n", title)
	var total time.Duration
	for i, s := range b.steps {
		w("| %s | %s | %s |\n", b.names[i+1], ms(s.p50()), ms(s.p99()))
		total += s.p50()
	}
	w("| (sum of the medians) | %s | |\n\n", ms(total))
}

// medianOf is the median of the first step whose name starts with prefix.
func (b breakdown) medianOf(prefix string) time.Duration {
	for i, s := range b.steps {
		if strings.HasPrefix(b.names[i+1], prefix) {
			return s.p50()
		}
	}
	return 0
}

func describeEvents(c eventCount) string {
	return fmt.Sprintf("%d (workflow tasks %d, activity tasks %d, local-activity markers %d, search-attribute updates %d)",
		c.all, c.workflowTasks, c.activities, c.localActivities, c.upserts)
}

func (r *report) writeP2(w writer) {
	p := r.p2
	w("## P2: ingest\n\n")
	w("Follow events, one per webhook request and each from a new friend, each starting the P1\n")
	w("journey, at rising rates; each rate is held for %s and passes when every webhook is answered\n", p.window)
	w("200 with p99 ≤ %s and every journey has completed within %s after the window. The ramp stops\n", ms(p2TargetAck), p.grace)
	w("at the first rate that does not pass. (LINE batches events under load, up to 100 a request:\n")
	w("one event a request is the hardest case for the webhook.)")
	if r.p3 != nil {
		w(" P3's %d runs stay parked meanwhile.", r.p3.parkedRuns)
	}
	w(" %s.\n\n", r.load["P2"])
	w("| rate | events | sent at | ack p50 | ack p99 | not 200 | completed within %s | completed in all | journeys/s | CPU | |\n", p.grace)
	w("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range p.steps {
		w("| %d/s | %d | %.0f/s | %s | %s | %d | %d | %d | %.1f | %.1f cores | %s |\n", s.rate, s.sent, s.sentRate(), ms(s.acks.p50()), ms(s.acks.p99()),
			s.failed, s.completed, s.completedInAll, s.throughput(), s.cores, passOrWhy(s))
	}
	if p.outOfTime > 0 {
		w("\n%d events/s was not tried: its window could not have ended within the run's time budget\n", p.outOfTime)
		w("(`-budget %s`, so that `make bench` ends within 10 minutes); the ramp may go on past it.\n", r.opts.budget)
	}
	w("\n\"journeys/s\" is the journeys completed over the time from the step's first event to its last\n")
	w("completion (a step that falls behind gets up to half a minute more to finish); \"CPU\" is what\n")
	w("the process used over that time, of the machine's %d cores.\n\n", r.machine.cores)
	w("Raw StartWorkflow rate: a workflow that does nothing, started by %d concurrent callers for %s:\n", p.raw.concurrency, p.raw.window)
	w("%d started (%.0f a second; start latency p50 %s, p99 %s; %d errors); all had completed %s after\n",
		p.raw.started, p.raw.startRate(), ms(p.raw.latency.p50()), ms(p.raw.latency.p99()), p.raw.errors, p.raw.drained.Round(100*time.Millisecond))
	w("the first start (%.0f a second, as visibility reports them).\n\n", p.raw.completionRate())

	if p.cpu != nil {
		w("CPU profile of the whole ramp (`%s`): %s of CPU. Each sample is charged to the part of\n", p.cpu.path, seconds(p.cpu.total))
		w("the process nearest the top of its stack (a system call made by SQLite is SQLite's; SQLite's\n")
		w("work is split by the caller that asked for it):\n\n")
		writeParts(w, p.cpu, 12)
		w("Functions (top by flat time, with their cumulative time):\n\n")
		writeFunctions(w, p.cpu, 15)
		w("Cumulative shares of note: Temporal's visibility task executor (`visibilityQueueTaskExecutor`) %s;\n", p.cpu.share(p.cpu.cumOf("visibilityQueueTaskExecutor).Execute")))
		w("SQLite preparing statements (`sqlite3Prepare`) %s and running them (`sqlite3VdbeExec`) %s.\n\n",
			p.cpu.share(p.cpu.cumOf("_sqlite3Prepare")), p.cpu.share(p.cpu.cumOf("_sqlite3VdbeExec")))
	}
	if q := r.journeyCosts; p.sustained < p2TargetRate && q != nil {
		w("**What limits it.** The server. A trivial workflow starts at %.0f a second here, and one follow\n", p.raw.startRate())
		w("event is two workflow starts (the friend's inbox, by signal-with-start, and the journey), %d\n", q.inboxEvents.workflowTasks+q.journeyEvents.workflowTasks)
		w("workflow tasks and %d activity task, %d history events, and %d search-attribute updates (the\n",
			q.inboxEvents.activities+q.journeyEvents.activities, q.inboxEvents.all+q.journeyEvents.all, q.journeyEvents.upserts)
		w("journey's `LumoCurrentNode` and the version marker's `TemporalChangeVersion`) besides the\n")
		w("visibility rows of two starts and two closes. The embedded server\n")
		w("has one history shard, whose persistence calls are serialized (`history.shardIOConcurrency` 1),\n")
		w("and one SQLite connection for each of its two databases (the main one, and visibility's); SQLite\n")
		w("writes one transaction at a time per database. SQLite here is modernc.org's\n")
		w("pure-Go build, which re-parses every statement (see the profile). ")
		if last := p.steps[len(p.steps)-1]; last.cores > 0 {
			perEvent := time.Duration(last.cores / float64(last.rate) * float64(time.Second))
			w("At %d events a second the process\n", last.rate)
			w("used %.1f cores, %s of CPU per event (P1 measured %s a run, one at a time), so the machine's\n",
				last.cores, ms(perEvent), ms(q.lumoCPU.p50()))
			w("%d cores cannot go past about %.0f events a second even with every part in parallel, and the\n",
				r.machine.cores, float64(r.machine.cores)/perEvent.Seconds())
			w("shard and the connection keep them from it; the webhook's signal-with-start waits its turn\n")
			w("on them, hence the ack's tail. ")
		}
		w("Beyond\n")
		w("this: Temporal on PostgreSQL with more history shards, or a Temporal cluster (`lumo worker`\n")
		w("and `lumo api` scale out), and fewer visibility writes per run.\n\n")
	}
}

func seconds(ns int64) string { return fmt.Sprintf("%.1f s", float64(ns)/1e9) }

func writeParts(w writer, s *profileSummary, n int) {
	w("| part | flat | share |\n| --- | --- | --- |\n")
	for i, part := range s.parts {
		if i == n {
			break
		}
		w("| %s | %s | %s |\n", part.name, quantity(s, part.flat), s.share(part.flat))
	}
	w("\n")
}

func writeFunctions(w writer, s *profileSummary, n int) {
	w("| function | flat | cum |\n| --- | --- | --- |\n")
	for i, f := range s.functions {
		if i == n {
			break
		}
		w("| `%s` | %s | %s |\n", shortName(f.name), s.share(f.flat), s.share(f.cum))
	}
	w("\n")
}

// quantity formats a profile value in its unit.
func quantity(s *profileSummary, v int64) string {
	if s.unit == "bytes" {
		return mib(uint64(v))
	}
	return seconds(v)
}

// shortName trims a function's module path to its last element.
func shortName(name string) string {
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return name[i+1:]
	}
	return name
}

// cumOf is the highest cumulative value of a function whose name contains part.
func (s *profileSummary) cumOf(part string) int64 {
	var best int64
	for _, f := range s.functions {
		if strings.Contains(f.name, part) && f.cum > best {
			best = f.cum
		}
	}
	return best
}

func (r *report) writeP3(w writer) {
	p := r.p3
	w("## P3: parked friends\n\n")
	w("%d friends (created in bulk with the Store, as follows would have recorded them) are enrolled\n", p.parkedRuns)
	w("through the engine, %d at a time, in a journey that asks \"Coffee or tea?\" (a choice question,\n", enrollConcurrency)
	w("7-day timeout) and then thanks them, naming their answer. They were all parked (question\n")
	w("sent, trace row waiting) %s after the first enrollment: %.0f a second. Then %d of them, spread\n", p.enrollTook.Round(100*time.Millisecond), p.parkRate(), len(p.replies)+p.replyFailed)
	w("over the set, reply one at a time with a signed text webhook (with a reply token); the clock\n")
	w("stops when the fake LINE records the thank-you. %s.\n\n", r.load["P3"])
	perRun := func(after, before uint64) string {
		if after < before {
			return "0"
		}
		return fmt.Sprintf("%.0f KiB", float64(after-before)/1024/float64(p.parkedRuns))
	}
	settled := fmt.Sprintf("settled (%s later)", p.settleTook.Round(100*time.Millisecond))
	w("| memory | before enrolling | the last run parked | %s | per parked run, settled |\n| --- | --- | --- | --- | --- |\n", settled)
	row := func(name string, f func(memory) uint64, perParked bool) {
		per := ""
		if perParked {
			per = perRun(f(p.settled), f(p.before))
		}
		w("| %s | %s | %s | %s | %s |\n", name, mib(f(p.before)), mib(f(p.parked)), mib(f(p.settled)), per)
	}
	// The live heap is read after a collection, which is not forced when the last run parks.
	liveRow := func() {
		w("| Go: live heap, after a collection | %s | | %s | %s |\n", mib(p.before.heapLive), mib(p.settled.heapLive),
			perRun(p.settled.heapLive, p.before.heapLive))
	}
	row("RSS (VmRSS)", func(m memory) uint64 { return m.rss }, true)
	row("… the mapped binary and files (RssFile)", func(m memory) uint64 { return m.rssFile }, false)
	row("… anonymous memory (RssAnon)", func(m memory) uint64 { return m.rssAnon }, true)
	row("Go: memory obtained from the OS", func(m memory) uint64 { return m.goSys }, false)
	row("Go: heap spans in use (before and settled: after a collection)", func(m memory) uint64 { return m.heapInuse }, false)
	liveRow()
	row("Go: goroutine stacks", func(m memory) uint64 { return m.stacks }, false)
	w("| goroutines | %d | %d | %d | |\n", p.before.goroutines, p.parked.goroutines, p.settled.goroutines)
	w("| peak RSS so far (VmHWM) | | | %s | |\n\n", mib(p.settled.peak))
	w("The target is read once settled: the moment the last run parks, the server is still writing\n")
	w("the visibility rows and completing the workflow tasks of the runs before it, and the Go heap\n")
	w("holds that work's garbage.\n\n")
	if p.heap != nil {
		w("Live heap once parked (`%s`), by part of the process that allocated it:\n\n", p.heap.path)
		writeParts(w, p.heap, 10)
		for _, part := range p.heap.parts {
			if part.name == partFake {
				w("The fake LINE keeps a record of every call and message (%s of the live heap): the\n", quantity(p.heap, part.flat))
				w("benchmark's, not the product's, but in the same process and so in its RSS.\n\n")
			}
		}
	}
	w("Reply → next message: p50 %s, p99 %s, max %s over %d replies", ms(p.replies.p50()), ms(p.replies.p99()), ms(p.replies.max()), len(p.replies))
	if p.replyFailed > 0 {
		w("; %d replies brought no message within 30 s", p.replyFailed)
	}
	w(". From the histories, as in P1:\n\n")
	writeBreakdown(w, "Reply", p.steps)
	if p.enrollCPU != nil {
		w("CPU profile while parking (`%s`): %s of CPU over %s.\n\n", p.enrollCPU.path, seconds(p.enrollCPU.total), p.enrollTook.Round(time.Second))
		writeParts(w, p.enrollCPU, 8)
	}
	if !p.metRSS() {
		w("**What limits it.** The process holds %s of RSS per parked run, settled. The worker caches\n", perRun(p.settled.rss, p.before.rss))
		w("at most %d runs between workflow tasks (`app.DevWorkflowCacheSize`) and the history service\n", app.DevWorkflowCacheSize)
		w("1,024 mutable states (devserver); the rest of a parked run is in the databases. The live heap\n")
		w("grew by %s a run", perRun(p.settled.heapLive, p.before.heapLive))
		if p.heap != nil && len(p.heap.parts) >= 2 {
			w(" (largest parts above: %s %s, %s %s)", p.heap.parts[0].name, quantity(p.heap, p.heap.parts[0].flat),
				p.heap.parts[1].name, quantity(p.heap, p.heap.parts[1].flat))
		}
		w("; the fake LINE's record of every call counts here too,\n")
		w("though it is the benchmark's. Beyond the live heap, the Go runtime keeps the heap's headroom\n")
		w("(GOGC=100: it grows to twice what was live before it collects) and returns freed memory to the\n")
		w("OS gradually; the binary maps %s (it embeds the Temporal server and the Web UI).\n\n", mib(p.settled.rssFile))
	}
	if !p.metReply() {
		w("**What limits the reply latency.** The reply takes the same road as P1's follow (table above):\n")
		w("the friend's inbox, a signal to the journey, a workflow task, the reply activity, each trip\n")
		w("through a task queue of this one-shard, one-connection server; a run evicted from the worker's\n")
		w("cache (%d runs) is first replayed from its history, and the tail is where a trip waited\n", app.DevWorkflowCacheSize)
		w("behind other work on the server.\n\n")
	}
}

func (r *report) writeFree(w writer) {
	f := r.free()
	w("## Free messages\n\n")
	w("Every event above that carries a reply token (a follow, a reply to a question) deserves an answer;\n")
	w("the first message sent in answer is counted, and whether it went out through the free Reply\n")
	w("API (the fake LINE records which endpoint delivered each message). Later messages of the same\n")
	w("run are pushes by necessity: a reply token works once.\n\n")
	w("| scenario | answers | by reply |\n| --- | --- | --- |\n")
	if r.p1 != nil {
		w("| P1 Lumo journeys (the welcome) | %d | %d |\n", r.p1.free.answers, r.p1.free.replied)
	}
	if r.p2 != nil {
		w("| P2 journeys (the welcome) | %d | %d |\n", r.p2.free.answers, r.p2.free.replied)
	}
	if r.p3 != nil {
		w("| P3 replies (the thank-you) | %d | %d |\n", r.p3.free.answers, r.p3.free.replied)
	}
	w("| all | %d | %d (%.1f%%) |\n\n", f.answers, f.replied, 100*f.share())
	if !f.met() {
		w("**What limits it.** A reply token is used only while it is younger than the reply window\n")
		w("(`LUMO_REPLY_TOKEN_WINDOW`, 50 s): messages of runs that waited longer than that behind a\n")
		w("backlog went out by push.\n\n")
	}
}
