// Package engine is the client side of Lumo's journeys: what the API, the worker's
// enrollment activity and the benchmarks call to start, signal and eject runs on Temporal
// while keeping the executions table in step.
//
// It is apart from package workflows on purpose: workflows holds only code that runs
// inside Temporal workflows (deterministic, replayed), and this package reads and writes
// the database and talks to the Temporal frontend, which workflow code must never do.
//
//	e := engine.New(temporalClient, store, cfg)
//	execution, err := e.Enroll(ctx, models.Enrollment{WorkspaceID: ws, WorkflowID: wf, FriendID: f})
package engine
