package api

import (
	"fmt"
	"testing"
	"time"

	"github.com/lumoworkflows/lumo/config"
)

func TestBucketSet_EvictsIdleBucketsAndStaysBounded(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	limit := config.RateLimit{PerSecond: 1, Burst: 2}

	t.Run("a bucket that has filled up again is dropped", func(t *testing.T) {
		s := newBucketSet(limit, 100)
		for i := range 10 {
			if _, ok := s.take(fmt.Sprint("client", i), start); !ok {
				t.Fatalf("client%d limited on its first request", i)
			}
		}
		if s.len() != 10 {
			t.Fatalf("%d buckets, want 10", s.len())
		}
		// One token spent of two at one a second: full again a second later, when a
		// full bucket and no bucket mean the same.
		s.take("late", start.Add(999*time.Millisecond))
		if s.len() != 11 {
			t.Fatalf("%d buckets before they filled up, want 11", s.len())
		}
		s.take("late", start.Add(time.Second))
		if s.len() != 1 {
			t.Fatalf("%d buckets once the idle ones are full, want 1 (the one in use)", s.len())
		}
	})

	t.Run("a drained bucket is kept until it fills", func(t *testing.T) {
		s := newBucketSet(limit, 100)
		s.take("flooder", start)
		s.take("flooder", start)
		if _, ok := s.take("flooder", start); ok {
			t.Fatal("third request within the burst of two")
		}
		s.take("other", start.Add(1500*time.Millisecond))
		if s.len() != 2 {
			t.Fatalf("%d buckets, want 2: forgetting the flooder would give it a fresh burst", s.len())
		}
		if _, ok := s.take("flooder", start.Add(1500*time.Millisecond)); !ok {
			t.Fatal("flooder still limited after a token's worth of time")
		}
	})

	t.Run("no more than the capacity, the least recently used dropped", func(t *testing.T) {
		s := newBucketSet(limit, 3)
		for i := range 1000 {
			s.take(fmt.Sprint("client", i), start) // all at once: none idle
			if s.len() > 3 {
				t.Fatalf("%d buckets after %d clients, capacity 3", s.len(), i+1)
			}
		}
		s.take("client999", start)
		if _, ok := s.take("client999", start); ok {
			t.Fatal("the most recent client lost its bucket")
		}
	})

	t.Run("a clock that steps back refills nothing", func(t *testing.T) {
		s := newBucketSet(limit, 100)
		s.take("c", start)
		s.take("c", start)
		if _, ok := s.take("c", start.Add(-time.Hour)); ok {
			t.Fatal("a step back in time gave tokens")
		}
		if wait, ok := s.take("c", start); ok || wait != time.Second {
			t.Fatalf("take = %s, %v; want a second to wait", wait, ok)
		}
	})
}
