package models

import "time"

// LINE webhook event types Lumo acts on.
const (
	LineEventFollow            = "follow"
	LineEventUnfollow          = "unfollow"
	LineEventMessage           = "message"
	LineEventPostback          = "postback"
	LineEventVideoPlayComplete = "videoPlayComplete"
)

// LineEvent is one LINE webhook event from one user, reduced to what triggers, reply
// routing and friends need. It is what the webhook hands to Temporal, so it stays a
// plain, stable structure rather than the SDK's types.
type LineEvent struct {
	// ID is LINE's webhookEventId: the same on every redelivery.
	ID         string
	Type       string
	Timestamp  time.Time
	UserID     string
	ReplyToken string
	Redelivery bool
	// MessageType is a message event's message type ("text", "image", ...); Text is a
	// text message's text.
	MessageType string
	Text        string
	// PostbackData and PostbackParams are a postback's.
	PostbackData   string
	PostbackParams map[string]string
	// TrackingID is a videoPlayComplete event's.
	TrackingID string
	// IsUnblocked is a follow event's: the user had blocked the account before.
	IsUnblocked bool
}
