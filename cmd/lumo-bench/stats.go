package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// sample is a set of measured durations.
type sample []time.Duration

// percentile is the p-th percentile (0-100), interpolated between the two nearest ranks;
// zero for an empty sample.
func (s sample) percentile(p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	sorted := slices.Clone(s)
	slices.Sort(sorted)
	rank := p / 100 * float64(len(sorted)-1)
	lo, hi := int(math.Floor(rank)), int(math.Ceil(rank))
	frac := rank - float64(lo)
	return sorted[lo] + time.Duration(frac*float64(sorted[hi]-sorted[lo]))
}

func (s sample) p50() time.Duration { return s.percentile(50) }
func (s sample) p99() time.Duration { return s.percentile(99) }

func (s sample) max() time.Duration {
	if len(s) == 0 {
		return 0
	}
	return slices.Max(s)
}

// ms formats a duration in milliseconds with one decimal.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// mib formats bytes in MiB.
func mib(bytes uint64) string {
	return fmt.Sprintf("%.0f MiB", float64(bytes)/(1<<20))
}

// verdict is how a figure compares with its target.
func verdict(met bool) string {
	if met {
		return "met"
	}
	return "not met"
}
