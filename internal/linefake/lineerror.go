package linefake

import (
	"fmt"
	"net/http"
)

// The messages LINE puts in its error bodies. Where the wording is LINE's own (confirmed
// in its documentation, SDK tests or issue threads), clients may match on it; the rest
// follow LINE's style and are marked as this fake's choice in doc.go.
const (
	msgAuthMissing      = "Authorization header required. Must follow the scheme, 'Authorization: Bearer <ACCESS TOKEN>'"
	msgAuthFailed       = "Authentication failed. Confirm that the access token in the authorization header is valid."
	msgNotFound         = "Not found"
	msgRateLimited      = "The API rate limit has been exceeded. Try again later."
	msgMonthlyLimit     = "You have reached your monthly limit."
	msgRetryKeyAccepted = "The retry key is already accepted"
	msgInvalidReply     = "Invalid reply token"
	msgFailedToSend     = "Failed to send messages"
	msgBadJSON          = "The request body could not be parsed as JSON"
	msgRetryKeyInvalid  = "The X-Line-Retry-Key header must be a UUID in hexadecimal format"
	msgRetryKeyNotHere  = "The X-Line-Retry-Key header is not supported by this endpoint"
	msgTooLarge         = "The request body exceeds the 2 MB limit"
	msgNoRichMenu       = "the user has no richmenu"
	msgBadUserIDParam   = "The value for the 'userId' parameter is invalid"
)

// errorBody is LINE's one error shape: a message, details naming the offending
// property, and (on a 409 for a push) the messages the accepted request sent.
type errorBody struct {
	Message      string        `json:"message"`
	Details      []errorDetail `json:"details,omitempty"`
	SentMessages []sentMessage `json:"sentMessages,omitempty"`
}

type errorDetail struct {
	Message  string `json:"message,omitempty"`
	Property string `json:"property,omitempty"`
}

type sentMessage struct {
	ID         string `json:"id"`
	QuoteToken string `json:"quoteToken,omitempty"`
}

func lineError(status int, message string) response {
	return response{status: status, body: errorBody{Message: message}}
}

// invalidBody is the 400 LINE answers when fields fail validation.
func invalidBody(details []errorDetail) response {
	return response{status: http.StatusBadRequest, body: errorBody{
		Message: fmt.Sprintf("The request body has %d error(s)", len(details)),
		Details: details,
	}}
}

// invalidProperty is the 400 LINE answers when a property has the wrong form.
func invalidProperty(property string) response {
	return lineError(http.StatusBadRequest,
		fmt.Sprintf("The property, '%s', in the request body is invalid (line: -, column: -)", property))
}
