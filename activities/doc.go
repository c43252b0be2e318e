// Package activities holds the engine's effects on the outside world: calls to LINE,
// Klaviyo, HubSpot and HTTP endpoints, and writes to the database. Temporal retries
// activities, so each one is idempotent.
//
// Activities are methods on structs that hold their clients, registered under readable
// names ("line.Push", "friends.AddTag") so that a run's history in the Temporal Web UI
// reads like the journey it describes.
package activities
