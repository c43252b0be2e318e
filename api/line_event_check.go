package api

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lumoworkflows/lumo/models"
)

// What a LINE webhook event may carry. LINE signs the body, so an event that breaks these
// rules comes from someone holding the channel secret, or from a LINE change; either way
// Lumo drops the one event (recording why) rather than fail the delivery, which LINE
// would redeliver for ever, or hand Temporal a value it cannot take (a 100,000-character
// user ID makes a workflow ID Temporal refuses; a timestamp past the year 9999 cannot be
// written as JSON).
const (
	// webhookEventIDLength: LINE documents webhookEventId as a ULID, 26 letters and
	// digits.
	webhookEventIDLength = 26
	// maxReplyTokenLength: LINE documents no length; its tokens are 32 hexadecimal
	// digits. The bound keeps what goes back to LINE's reply API small.
	maxReplyTokenLength = 256
	// maxMessageTextUnits: LINE documents 5,000 UTF-16 code units for the text messages
	// bots send and no limit for what people send. Lumo allows twice that, so a person's
	// long message is never dropped while a 100,000-character one is.
	maxMessageTextUnits = 10000
	// maxPostbackDataLength: LINE documents 300 characters for a postback action's data.
	maxPostbackDataLength = 300
	// maxPostbackParams and maxPostbackParamLength bound a postback's params: LINE sends
	// a date, time or datetime picker's choice, or a rich menu switch's alias and status.
	maxPostbackParams      = 10
	maxPostbackParamLength = 100
	// maxTrackingIDLength: LINE documents 100 characters for a video's trackingId.
	maxTrackingIDLength = 100
	// maxMessageTypeLength bounds a message's type ("text", "sticker", …).
	maxMessageTypeLength = 32
	// lineEventFutureSkew is how far ahead of this server's clock an event's timestamp
	// may be: clocks differ a little, never by minutes.
	lineEventFutureSkew = 5 * time.Minute
)

// earliestLineEvent is before any LINE event: LINE opened in June 2011.
var earliestLineEvent = time.Date(2011, time.January, 1, 0, 0, 0, 0, time.UTC)

// lineSource is what an event's source names: the user, and the group or room the
// event happened in.
type lineSource struct {
	UserID  string
	GroupID string
	RoomID  string
}

// lineEventProblem checks one event Lumo acts on against what LINE sends and returns the
// first bad field's JSON path and what is wrong with it, or "", "" when it is fine. now
// is the time the delivery came.
func lineEventProblem(e models.LineEvent, source lineSource, timestampMillis int64, now time.Time) (field, problem string) {
	switch {
	case !isWebhookEventID(e.ID):
		return "webhookEventId", fmt.Sprintf("must be a ULID, %d letters and digits (got %s)", webhookEventIDLength, described(e.ID))
	case !isLineID(source.UserID, 'U'):
		return "source.userId", `must be "U" and 32 lowercase hexadecimal digits (got ` + described(source.UserID) + ")"
	case source.GroupID != "" && !isLineID(source.GroupID, 'C'):
		return "source.groupId", `must be "C" and 32 lowercase hexadecimal digits (got ` + described(source.GroupID) + ")"
	case source.RoomID != "" && !isLineID(source.RoomID, 'R'):
		return "source.roomId", `must be "R" and 32 lowercase hexadecimal digits (got ` + described(source.RoomID) + ")"
	}
	if at := time.UnixMilli(timestampMillis); at.Before(earliestLineEvent) || at.After(now.Add(lineEventFutureSkew)) {
		return "timestamp", fmt.Sprintf("must be milliseconds since 1970 from %s to %s after the delivery came (got %d)",
			earliestLineEvent.Format("2006-01-02"), lineEventFutureSkew, timestampMillis)
	}
	if e.ReplyToken != "" && (len(e.ReplyToken) > maxReplyTokenLength || !isPrintableASCIIWord(e.ReplyToken)) {
		return "replyToken", fmt.Sprintf("must be at most %d printable ASCII characters without spaces (got %s)", maxReplyTokenLength, described(e.ReplyToken))
	}
	if len(e.MessageType) > maxMessageTypeLength || !isPrintableASCIIWord(e.MessageType) && e.MessageType != "" {
		return "message.type", fmt.Sprintf("must be at most %d printable ASCII characters (got %s)", maxMessageTypeLength, described(e.MessageType))
	}
	if n := utf16Units(e.Text); n > maxMessageTextUnits {
		return "message.text", fmt.Sprintf("%d characters (UTF-16 code units); the limit is %d", n, maxMessageTextUnits)
	}
	if strings.ContainsRune(e.Text, 0) {
		return "message.text", "contains a NUL character"
	}
	if field, problem := boundedText("postback.data", e.PostbackData, maxPostbackDataLength); problem != "" {
		return field, problem
	}
	if len(e.PostbackParams) > maxPostbackParams {
		return "postback.params", fmt.Sprintf("%d params; the limit is %d", len(e.PostbackParams), maxPostbackParams)
	}
	for key, value := range e.PostbackParams {
		if _, problem := boundedText("", key, maxPostbackParamLength); problem != "" {
			return "postback.params", "a key " + problem
		}
		if field, problem := boundedText("postback.params."+key, value, maxPostbackParamLength); problem != "" {
			return field, problem
		}
	}
	return boundedText("videoPlayComplete.trackingId", e.TrackingID, maxTrackingIDLength)
}

// boundedText checks a text of at most limit characters without NUL, which LINE never
// sends and PostgreSQL cannot store.
func boundedText(field, s string, limit int) (string, string) {
	if n := utf8.RuneCountInString(s); n > limit {
		return field, fmt.Sprintf("%d characters; the limit is %d", n, limit)
	}
	if strings.ContainsRune(s, 0) {
		return field, "contains a NUL character"
	}
	return "", ""
}

// isLineID is true for what LINE uses as user, group and room IDs: the kind's letter
// and 32 lowercase hexadecimal digits.
func isLineID(s string, kind byte) bool {
	if len(s) != 33 || s[0] != kind {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// isLineUserID accepts what LINE sends as a user ID: "U" and 32 lowercase hex digits.
func isLineUserID(s string) bool { return isLineID(s, 'U') }

// isWebhookEventID is true for a ULID's shape: 26 ASCII letters and digits.
func isWebhookEventID(s string) bool {
	if len(s) != webhookEventIDLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// described says what a refused value was without repeating it: its length, or that it
// was missing. The value itself may be huge or carry characters that break a log line.
func described(s string) string {
	switch n := utf8.RuneCountInString(s); n {
	case 0:
		return "nothing"
	case 1:
		return "1 character"
	default:
		return fmt.Sprintf("%d characters", n)
	}
}

func utf16Units(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

// rejectedEventKey is what identifies a rejected event across redeliveries: its
// webhookEventId when that is usable, else a digest of the fields a redelivery repeats
// (deliveryContext changes on a redelivery, so the whole event cannot be the key).
func rejectedEventKey(id, typ string, timestamp, source []byte) string {
	if isWebhookEventID(id) {
		return id
	}
	h := sha256.New()
	for _, part := range [][]byte{[]byte(id), []byte(typ), timestamp, source} {
		fmt.Fprintf(h, "%d:", len(part))
		h.Write(part)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}
