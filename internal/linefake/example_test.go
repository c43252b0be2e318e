package linefake_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

// A push whose answer is lost after LINE delivered it, retried with the same retry key:
// the retry gets 409, and the friend has the message once.
func Example() {
	srv := linefake.New()
	defer srv.Close()
	ch := srv.AddChannel("example-token")
	friend := ch.AddFriend(linefake.Profile{DisplayName: "Aiko"})
	srv.Inject(linefake.Fault{Endpoint: linefake.EndpointPush, Status: http.StatusInternalServerError, AfterProcessing: true})

	bot, _ := messaging_api.NewMessagingApiAPI(ch.Token(), messaging_api.WithEndpoint(srv.URL()))
	req := &messaging_api.PushMessageRequest{
		To:       friend.UserID,
		Messages: []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: "Your order shipped"}},
	}
	key := uuid.NewString()
	for attempt := 1; attempt <= 2; attempt++ {
		res, _, err := bot.PushMessageWithHttpInfo(req, key)
		fmt.Printf("attempt %d: %d (error: %v)\n", attempt, res.StatusCode, err != nil)
	}

	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got, _ := srv.WaitForMessages(ctx, friend.UserID, 1)
	fmt.Println(len(got), got[0].Text)
	// Output:
	// attempt 1: 500 (error: true)
	// attempt 2: 409 (error: true)
	// 1 Your order shipped
}
