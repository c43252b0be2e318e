package linefake_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/lumoworkflows/lumo/internal/linefake"
)

func TestConcurrency_50ClientsEachGetTheirMessagesInOrder(t *testing.T) {
	srv, ch := start(t)
	const clients, perClient = 50, 10
	users := make([]string, clients)
	for i := range users {
		users[i] = ch.AddFriend(linefake.Profile{DisplayName: fmt.Sprint("user ", i)}).UserID
	}

	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for i, userID := range users {
		wg.Go(func() {
			bot := client(t, srv, ch.Token(), nil)
			for n := range perClient {
				if _, _, err := push(bot, userID, uuid.NewString(), fmt.Sprintf("%d-%d", i, n)); err != nil {
					errs <- fmt.Errorf("client %d message %d: %w", i, n, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	for i, userID := range users {
		got := srv.Delivered(userID)
		if len(got) != perClient {
			t.Fatalf("user %d received %d, want %d", i, len(got), perClient)
		}
		for n, m := range got {
			if want := fmt.Sprintf("%d-%d", i, n); m.Text != want {
				t.Errorf("user %d message %d = %q, want %q", i, n, m.Text, want)
			}
		}
	}
	if got := srv.DeliveredCount(); got != clients*perClient {
		t.Errorf("delivered %d in all, want %d", got, clients*perClient)
	}
	if got := len(srv.Calls()); got != clients*perClient {
		t.Errorf("recorded %d calls, want %d", got, clients*perClient)
	}
}

func TestConcurrency_RacingRepeatsOfOneKeyDeliverOnce(t *testing.T) {
	srv, ch := start(t)
	friend := ch.AddFriend(linefake.Profile{})
	bot := client(t, srv, ch.Token(), nil)
	key := uuid.NewString()

	const racers = 20
	statuses := make(chan int, racers)
	var wg sync.WaitGroup
	for range racers {
		wg.Go(func() {
			res, _, _ := push(bot, friend.UserID, key, "once")
			statuses <- res.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	if count[http.StatusOK] != 1 || count[http.StatusConflict] != racers-1 {
		t.Errorf("statuses %v, want one 200 and %d 409s", count, racers-1)
	}
	if got := len(srv.Delivered(friend.UserID)); got != 1 {
		t.Errorf("delivered %d, want 1", got)
	}
}
