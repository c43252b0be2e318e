package definition

import (
	"regexp"
	"strings"
)

// TriggerEvent is what happened, as far as a trigger can tell: its type (a trigger
// type) and the values the type's fields are compared with.
type TriggerEvent struct {
	Type string
	// Text is a text message's text (message_received).
	Text string
	// Data is a postback's data (postback_received).
	Data string
	// TrackingID is the video's trackingId (video_view_completed).
	TrackingID string
	// QRCodeID is the code scanned (qr_code_scanned).
	QRCodeID string
}

// Accepts tells whether the event fires this trigger: same type, and the type's
// condition holds (keywords, postback data prefix, tracking ID, QR code).
func (t *Trigger) Accepts(e TriggerEvent) bool {
	if t.Type != e.Type {
		return false
	}
	switch t.Type {
	case TriggerMessageReceived:
		return t.Match == nil || t.Match.Accepts(e.Text)
	case TriggerPostbackReceived:
		return strings.HasPrefix(e.Data, t.Data)
	case TriggerVideoViewCompleted:
		return e.TrackingID == t.TrackingID
	case TriggerQRCodeScanned:
		return t.QRCodeID == "" || t.QRCodeID == e.QRCodeID
	}
	return true
}

// Accepts tells whether a text message's text matches the keywords: exact and contains
// compare case-insensitively after trimming spaces, regex matches anywhere in the text
// (anchor it with ^…$ for the whole text). A regex that does not compile matches nothing
// (validation refuses such a definition before it can run).
func (m *KeywordMatch) Accepts(text string) bool {
	folded := strings.ToLower(strings.TrimSpace(text))
	for _, keyword := range m.Keywords {
		switch m.Mode {
		case MatchExact:
			if folded == strings.ToLower(strings.TrimSpace(keyword)) {
				return true
			}
		case MatchContains:
			if strings.Contains(folded, strings.ToLower(strings.TrimSpace(keyword))) {
				return true
			}
		case MatchRegex:
			if re, err := regexp.Compile(keyword); err == nil && re.MatchString(text) {
				return true
			}
		}
	}
	return false
}
