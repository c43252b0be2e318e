// Package worker runs Lumo's Temporal worker: it registers the workflows and activities
// under their readable names, makes sure the namespace carries Lumo's search attributes
// and the worker's own schedules exist, and polls the task queue. Any number of workers
// can run against one Temporal cluster; they share the work through the task queue.
package worker
