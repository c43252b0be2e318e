package linefake

import (
	"encoding/json"
	"net/http"
)

// handlePush answers POST /v2/bot/message/push.
func handlePush(s *Server, ch *Channel, req request) response {
	key := req.call.RetryKey
	if prior, ok := ch.accepted(key, req.now); ok {
		return conflict(prior, true)
	}
	var body pushBody
	if resp := decode(req.call.Body, &body); resp != nil {
		return *resp
	}
	if !isUserID(body.To) {
		// Groups and rooms (C…, R…) are not modelled.
		return invalidProperty("to")
	}
	details := append(validateMessages(body.Messages), validateAggregationUnits(body.CustomAggregationUnits)...)
	if len(details) > 0 {
		return invalidBody(details)
	}
	deliver, known := ch.deliverable(body.To)
	if !known {
		return lineError(http.StatusBadRequest, msgFailedToSend)
	}
	recipients := 0
	if deliver {
		recipients = 1
	}
	if !ch.quotaAllows(recipients, req.now) {
		return lineError(http.StatusTooManyRequests, msgMonthlyLimit)
	}
	sent := s.send(ch, req, EndpointPush, body.Messages, body.NotificationDisabled, []string{body.To}, deliver)
	ch.countQuota(recipients, req.now)
	ch.remember(key, req.call.RequestID, sent, req.now)
	return response{status: http.StatusOK, body: map[string]any{"sentMessages": sent}, processed: true}
}

// handleReply answers POST /v2/bot/message/reply. Replies are free: no quota.
func handleReply(s *Server, ch *Channel, req request) response {
	var body replyBody
	if resp := decode(req.call.Body, &body); resp != nil {
		return *resp
	}
	if details := validateMessages(body.Messages); len(details) > 0 {
		return invalidBody(details)
	}
	token, ok := ch.replyTokens[body.ReplyToken]
	if !ok || !req.now.Before(token.expires) {
		return lineError(http.StatusBadRequest, msgInvalidReply)
	}
	delete(ch.replyTokens, body.ReplyToken)
	deliver, known := ch.deliverable(token.userID)
	// The token proves the user wrote to the channel, so a user the test never made a
	// friend still receives the reply; one who blocked the channel does not.
	deliver = deliver || !known
	sent := s.send(ch, req, EndpointReply, body.Messages, body.NotificationDisabled, []string{token.userID}, deliver)
	return response{status: http.StatusOK, body: map[string]any{"sentMessages": sent}, processed: true}
}

// handleMulticast answers POST /v2/bot/message/multicast. Unknown and blocking users
// are skipped without error and not counted.
func handleMulticast(s *Server, ch *Channel, req request) response {
	key := req.call.RetryKey
	if prior, ok := ch.accepted(key, req.now); ok {
		return conflict(prior, false)
	}
	var body multicastBody
	if resp := decode(req.call.Body, &body); resp != nil {
		return *resp
	}
	details := validateMulticastTargets(body.To)
	details = append(details, validateMessages(body.Messages)...)
	details = append(details, validateAggregationUnits(body.CustomAggregationUnits)...)
	if len(details) > 0 {
		return invalidBody(details)
	}
	var recipients []string
	seen := make(map[string]bool)
	for _, id := range body.To {
		if deliver, _ := ch.deliverable(id); deliver && !seen[id] {
			seen[id] = true
			recipients = append(recipients, id)
		}
	}
	if !ch.quotaAllows(len(recipients), req.now) {
		return lineError(http.StatusTooManyRequests, msgMonthlyLimit)
	}
	s.send(ch, req, EndpointMulticast, body.Messages, body.NotificationDisabled, recipients, true)
	ch.countQuota(len(recipients), req.now)
	ch.remember(key, req.call.RequestID, nil, req.now)
	return response{status: http.StatusOK, body: struct{}{}, processed: true}
}

// conflict is LINE's 409 for a retry key it already accepted: the accepted request's
// ID in a header and, for a push, the messages that request sent.
func conflict(prior acceptedKey, withSent bool) response {
	body := errorBody{Message: msgRetryKeyAccepted}
	if withSent {
		body.SentMessages = prior.sent
	}
	return response{
		status: http.StatusConflict,
		header: http.Header{headerAcceptedRequestID: {prior.requestID}},
		body:   body,
	}
}

// quotable lists the message types LINE returns a quote token for.
var quotable = map[string]bool{"text": true, "textV2": true, "sticker": true, "image": true, "video": true}

// send assigns the messages their IDs and, when deliver is set, appends them to each
// recipient's log. Callers hold s.mu.
func (s *Server) send(ch *Channel, req request, via Endpoint, messages []json.RawMessage,
	silent bool, recipients []string, deliver bool) []sentMessage {
	sent := make([]sentMessage, len(messages))
	kinds := make([]messageSummary, len(messages))
	for i, raw := range messages {
		kinds[i] = summarize(raw)
		sent[i].ID = s.newMessageID()
		if quotable[kinds[i].Type] {
			sent[i].QuoteToken = "q" + randomHex(24)
		}
	}
	if !deliver {
		return sent
	}
	for _, userID := range recipients {
		for i, raw := range messages {
			s.delivered[userID] = append(s.delivered[userID], DeliveredMessage{
				Time:                 req.now,
				Channel:              ch.token,
				UserID:               userID,
				Via:                  via,
				RequestID:            req.call.RequestID,
				RetryKey:             req.call.RetryKey,
				MessageID:            sent[i].ID,
				Type:                 kinds[i].Type,
				Text:                 kinds[i].Text,
				Message:              append(json.RawMessage(nil), raw...),
				NotificationDisabled: silent,
			})
			s.deliveredCount++
		}
	}
	if len(recipients) > 0 {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	return sent
}

type messageSummary struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

func summarize(raw json.RawMessage) messageSummary {
	var m messageSummary
	_ = json.Unmarshal(raw, &m) // validated already
	return m
}
