// Package workflows holds Lumo's Temporal workflow code: deterministic, replayable
// functions that decide what happens next and leave every effect to package activities.
//
// The engine's one generic interpreter (a workflow that walks a user-defined node graph)
// lives here, beside the small maintenance workflows the worker schedules for itself.
// The names registered with Temporal are the names a reader sees in the Web UI, so they
// are spelled for people ("lumo.PruneWebhookEvents"), and the typed search attributes
// every run carries are declared here once (SearchAttributes).
package workflows
