// Package linefake is an in-process fake of the LINE Messaging API for tests. It speaks
// the same HTTP as api.line.me, so the real SDK client talks to it unchanged:
//
//	srv := linefake.New()
//	defer srv.Close()
//	ch := srv.AddChannel("test-token")
//	friend := ch.AddFriend(linefake.Profile{DisplayName: "Aiko"})
//
//	bot, _ := messaging_api.NewMessagingApiAPI(ch.Token(), messaging_api.WithEndpoint(srv.URL()))
//	_, err := bot.PushMessage(&messaging_api.PushMessageRequest{
//		To:       friend.UserID,
//		Messages: []messaging_api.MessageInterface{&messaging_api.TextMessage{Text: "Hi"}},
//	}, uuid.NewString())
//
//	got, err := srv.WaitForMessages(ctx, friend.UserID, 1) // got[0].Text == "Hi"
//
// The product is pointed at it with LUMO_LINE_API_URL=srv.URL().
//
// # What it serves
//
//	POST   /v2/bot/message/push                         to, messages (1-5), notificationDisabled, customAggregationUnits
//	POST   /v2/bot/message/reply                        replyToken, messages (1-5)
//	POST   /v2/bot/message/multicast                    to (1-500 user IDs), messages (1-5)
//	GET    /v2/bot/profile/{userId}
//	POST   /v2/bot/user/{userId}/richmenu/{richMenuId}  link
//	DELETE /v2/bot/user/{userId}/richmenu               unlink
//	GET    /v2/bot/user/{userId}/richmenu               the linked rich menu's ID
//	GET    /v2/bot/message/quota, /v2/bot/message/quota/consumption
//
// Any other path is 404 {"message":"Not found"}; a known path with the wrong method is
// 405. Every answer carries a fresh X-Line-Request-Id, and every error body has LINE's
// shape: {"message": "...", "details": [{"message": "...", "property": "..."}]}.
//
// # How it behaves, and why
//
// Confirmed from LINE's documentation, its SDKs or its maintainers' answers:
//
//   - A repeated X-Line-Retry-Key (remembered 24 hours, WithRetryKeyTTL) is not
//     processed again: 409 {"message":"The retry key is already accepted"} with
//     X-Line-Accepted-Request-Id set to the first request's X-Line-Request-Id, and for a
//     push the first request's sentMessages. Each retry gets a request ID of its own.
//     Only push and multicast take the header (narrowcast and broadcast are not
//     modelled); on any other endpoint LINE rejects it with 400, and so does the fake.
//     A key that was answered 4xx or 5xx before processing was not accepted and may be
//     used again.
//   - Reply tokens work once and for a limited time (about a minute; IssueReplyToken
//     takes a TTL); an unknown, used or expired one is 400 {"message":"Invalid reply
//     token"}. Replies are free: they never count toward the quota.
//   - A push to a user who blocked the channel is 200 but not delivered and not counted;
//     a push to a user ID that does not exist for the channel (never added with
//     AddFriend) is 400 {"message":"Failed to send messages"}. Add the test's users as
//     friends first.
//   - Quota counts recipients, not message objects: a push is one, a multicast one per
//     recipient actually reached. When the monthly quota (SetMonthlyQuota) would be
//     exceeded the answer is 429 {"message":"You have reached your monthly limit."}.
//   - Beyond the rate limit (SetRateLimit, per channel and endpoint, default 2,000 a
//     second, LINE's figure for most endpoints) the answer is 429 {"message":"The API
//     rate limit has been exceeded. Try again later."}. Requests with a retry key count.
//   - A bad or missing token is 401 ("Authentication failed. Confirm that the access
//     token in the authorization header is valid."); a profile of an unknown or blocking
//     user is 404 {"message":"Not found"}; text counts UTF-16 units against its 5,000.
//
// This fake's own choices, where LINE's documentation is silent or was not checked:
//
//   - The wording of validation details ("The request body has N error(s)", "Size must
//     be between 1 and 5", "May not be empty", "Length must be between 0 and 5000"), of
//     the retry-key format error, and of rich-menu errors (404 "Not found" for a rich
//     menu not registered with AddRichMenu). Clients should branch on status codes.
//   - Push's to must be a user ID (U and 32 hex digits); groups and rooms are not
//     modelled. Multicast skips unknown and blocking users silently.
//   - A reply reaches the token's user unless they blocked the channel.
//   - One rate limit for every endpoint; LINE's are lower for some (multicast among
//     them). Refused requests do not use up the window.
//   - Checks run in this order: route (404, 405), injected fault, auth (401), body size
//     (413), retry-key header (400), rate limit (429), retry-key repeat (409), body
//     (400), recipient (400), quota (429); then the work.
//
// # Faults
//
// Inject plays failures for the next N requests, or for a seeded fraction of them: an
// error status (500, 502, 503, or 429 with Retry-After), a stall, or a hang until the
// client gives up. A fault may come before processing (nothing happened) or after it
// (the message was delivered, but the client sees an error or a timeout), which is the
// case exactly-once delivery must survive:
//
//	srv.Inject(linefake.Fault{Endpoint: linefake.EndpointPush, Status: 503, AfterProcessing: true})
//
// # Recording
//
// Calls lists every request with its answer; Delivered lists, per user and in order,
// each message that reached them, with the API that sent it, its request ID and retry
// key. WaitForMessages blocks until a user has n messages. The server is safe for
// concurrent use: one lock makes each request's checks and effects a single step.
package linefake
