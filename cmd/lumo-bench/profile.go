package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"slices"
	"strings"

	"google.golang.org/protobuf/encoding/protowire"
)

// A pprof profile, read just enough to say where the time (or memory) went: flat and
// cumulative totals per function, and flat totals per part of the process (the
// Temporal server, its SQLite, the SDK, Lumo, the Go runtime...). The format is
// profile.proto (github.com/google/pprof); reading it with protowire keeps the
// benchmark free of a dependency the product does not have.

// profileSummary is a profile's totals.
type profileSummary struct {
	path  string
	unit  string // "nanoseconds" or "bytes"
	total int64
	// functions, by flat value, highest first.
	functions []functionCost
	// parts are flat totals by part of the process, highest first.
	parts []partCost
}

type functionCost struct {
	name      string
	flat, cum int64
}

type partCost struct {
	name string
	flat int64
}

// startCPUProfile profiles the process's CPU into path until the returned function is
// called, which reads the profile back.
func startCPUProfile(path string) (stop func() (*profileSummary, error), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() (*profileSummary, error) {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			return nil, err
		}
		return readProfile(path, "cpu")
	}, nil
}

// writeHeapProfile writes the live heap (as of the last GC) to path and reads it back.
func writeHeapProfile(path string) (*profileSummary, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return readProfile(path, "inuse_space")
}

// readProfile sums the sample values of the given type ("cpu", "inuse_space").
func readProfile(path, sampleType string) (*profileSummary, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(raw) > 2 && raw[0] == 0x1f && raw[1] == 0x8b {
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			return nil, err
		}
		if raw, err = io.ReadAll(zr); err != nil {
			return nil, err
		}
	}
	p, err := parseProfile(raw)
	if err != nil {
		return nil, fmt.Errorf("read profile %s: %w", path, err)
	}
	index := -1
	for i, vt := range p.sampleTypes {
		if p.str(vt[0]) == sampleType {
			index = i
		}
	}
	if index < 0 {
		return nil, fmt.Errorf("profile %s has no %s samples", path, sampleType)
	}
	s := &profileSummary{path: path, unit: p.str(p.sampleTypes[index][1])}
	flat, cum, parts := map[string]int64{}, map[string]int64{}, map[string]int64{}
	for _, sample := range p.samples {
		if index >= len(sample.values) {
			continue
		}
		v := sample.values[index]
		s.total += v
		// A location's lines run from the innermost inlined function outwards.
		var stack []string
		for _, locID := range sample.locations {
			for _, fnID := range p.locations[locID] {
				stack = append(stack, p.str(p.functions[fnID]))
			}
		}
		if len(stack) == 0 {
			continue
		}
		flat[stack[0]] += v
		parts[ownerOf(stack, sampleType != "cpu")] += v
		seen := map[string]bool{}
		for _, name := range stack {
			if !seen[name] {
				seen[name] = true
				cum[name] += v
			}
		}
	}
	for name, c := range cum {
		s.functions = append(s.functions, functionCost{name: name, flat: flat[name], cum: c})
	}
	slices.SortFunc(s.functions, func(a, b functionCost) int { return int(b.flat - a.flat) })
	for name, v := range parts {
		s.parts = append(s.parts, partCost{name: name, flat: v})
	}
	slices.SortFunc(s.parts, func(a, b partCost) int { return int(b.flat - a.flat) })
	return s, nil
}

// Parts of the process a sample is charged to: the nearest function up its stack that
// belongs to one (so a system call made for SQLite is SQLite's, a JSON encoding done
// for the API is Lumo's), or the collector when the sample is the runtime's allocator or
// garbage collector.
const (
	partTemporalSQLite = "SQLite for Temporal's histories, mutable state and task queues"
	partVisibilitySQL  = "SQLite for Temporal's visibility (run lists, search attributes)"
	partAppSQLite      = "SQLite for the app's data"
	partTemporal       = "Temporal server, besides SQLite"
	partSDK            = "Temporal SDK (worker, client)"
	partLumo           = "Lumo: API, workflows, activities (with gorm, Echo, LINE SDK)"
	partFake           = "the fake LINE and the benchmark itself"
	partTransport      = "gRPC, HTTP/2 and protobuf"
	partHTTP           = "net/http (webhooks, LINE calls)"
	partGC             = "Go runtime: garbage collection and allocation"
	partRuntime        = "Go runtime and standard library, not charged to a caller"
)

// partsByPrefix map function-name prefixes to parts, first match wins.
var partsByPrefix = []struct{ prefix, part string }{
	{"github.com/lumoworkflows/lumo/internal/linefake", partFake},
	{"main.", partFake},
	{"github.com/lumoworkflows/", partLumo},
	{"gorm.io/", partLumo},
	{"github.com/labstack/", partLumo},
	{"github.com/line/", partLumo},
	{"go.temporal.io/server/", partTemporal},
	{"go.temporal.io/sdk/", partSDK},
	{"google.golang.org/grpc", partTransport},
	{"golang.org/x/net/http2", partTransport},
	{"google.golang.org/protobuf", partTransport},
	{"github.com/gogo/", partTransport},
	{"go.temporal.io/api/", partTransport},
	{"net/http", partHTTP},
}

// gcFunctions mark the runtime's garbage collector and allocator.
var gcFunctions = []string{"runtime.gc", "runtime.mallocgc", "runtime.bgsweep", "runtime.bgscavenge", "runtime.markroot",
	"runtime.scanobject", "runtime.scanblock", "runtime.sweepone", "runtime.(*mheap)", "runtime.(*mcache)", "runtime.(*mspan)",
	"runtime.(*gcWork)", "runtime.newobject", "runtime.makeslice", "runtime.growslice", "runtime.makemap"}

// ownerOf charges a stack (innermost first) to a part. For allocations (heap profiles)
// the allocator's own frames are skipped, so that memory is charged to who asked for it.
func ownerOf(stack []string, allocations bool) string {
	for i, fn := range stack {
		if !allocations {
			for _, gc := range gcFunctions {
				if strings.HasPrefix(fn, gc) {
					return partGC
				}
			}
		}
		if strings.HasPrefix(fn, "modernc.org/") {
			for _, caller := range stack[i+1:] {
				if strings.HasPrefix(caller, "go.temporal.io/server/") {
					if isVisibility(stack[i:]) {
						return partVisibilitySQL
					}
					return partTemporalSQLite
				}
				if strings.HasPrefix(caller, "gorm.io/") || strings.HasPrefix(caller, "github.com/lumoworkflows/") {
					return partAppSQLite
				}
			}
			return partTemporalSQLite
		}
		for _, p := range partsByPrefix {
			if strings.HasPrefix(fn, p.prefix) {
				return p.part
			}
		}
	}
	return partRuntime
}

// isVisibility tells whether Temporal's work on a stack is for visibility.
func isVisibility(stack []string) bool {
	for _, fn := range stack {
		if strings.Contains(fn, "visibilityQueue") || strings.Contains(fn, "persistence/visibility") {
			return true
		}
	}
	return false
}

// share is v as a percentage of the total.
func (s *profileSummary) share(v int64) string {
	if s.total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(v)/float64(s.total))
}

// profile is what readProfile needs of profile.proto.
type profile struct {
	sampleTypes [][2]int64 // (type, unit) string indexes
	samples     []profileSample
	locations   map[uint64][]uint64 // location ID to function IDs, innermost first
	functions   map[uint64]int64    // function ID to name string index
	strings     []string
}

type profileSample struct {
	locations []uint64
	values    []int64
}

func (p *profile) str(i int64) string {
	if i < 0 || int(i) >= len(p.strings) {
		return ""
	}
	return p.strings[i]
}

// Field numbers of profile.proto.
const (
	profileSampleType  = 1
	profileSamples     = 2
	profileLocation    = 4
	profileFunction    = 5
	profileStringTable = 6

	valueTypeType = 1
	valueTypeUnit = 2

	sampleLocationID = 1
	sampleValue      = 2

	locationID   = 1
	locationLine = 4

	lineFunctionID = 1

	functionID   = 1
	functionName = 2
)

func parseProfile(b []byte) (*profile, error) {
	p := &profile{locations: map[uint64][]uint64{}, functions: map[uint64]int64{}}
	return p, eachField(b, func(num protowire.Number, typ protowire.Type, v uint64, msg []byte) error {
		switch num {
		case profileSampleType:
			var vt [2]int64
			err := eachField(msg, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch num {
				case valueTypeType:
					vt[0] = int64(v)
				case valueTypeUnit:
					vt[1] = int64(v)
				}
				return nil
			})
			p.sampleTypes = append(p.sampleTypes, vt)
			return err
		case profileSamples:
			var s profileSample
			err := eachField(msg, func(num protowire.Number, typ protowire.Type, v uint64, packed []byte) error {
				switch num {
				case sampleLocationID:
					return appendVarints(&s.locations, typ, v, packed, func(x uint64) uint64 { return x })
				case sampleValue:
					return appendVarints(&s.values, typ, v, packed, func(x uint64) int64 { return int64(x) })
				}
				return nil
			})
			p.samples = append(p.samples, s)
			return err
		case profileLocation:
			var id uint64
			var fns []uint64
			err := eachField(msg, func(num protowire.Number, _ protowire.Type, v uint64, line []byte) error {
				switch num {
				case locationID:
					id = v
				case locationLine:
					return eachField(line, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
						if num == lineFunctionID {
							fns = append(fns, v)
						}
						return nil
					})
				}
				return nil
			})
			p.locations[id] = fns
			return err
		case profileFunction:
			var id uint64
			var name int64
			err := eachField(msg, func(num protowire.Number, _ protowire.Type, v uint64, _ []byte) error {
				switch num {
				case functionID:
					id = v
				case functionName:
					name = int64(v)
				}
				return nil
			})
			p.functions[id] = name
			return err
		case profileStringTable:
			p.strings = append(p.strings, string(msg))
		}
		return nil
	})
}

// eachField calls fn with each field of a message: its number and wire type, and its
// value (varints) or bytes (length-delimited fields).
func eachField(b []byte, fn func(num protowire.Number, typ protowire.Type, v uint64, msg []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		var (
			v   uint64
			msg []byte
		)
		switch typ {
		case protowire.VarintType:
			v, n = protowire.ConsumeVarint(b)
		case protowire.BytesType:
			msg, n = protowire.ConsumeBytes(b)
		default:
			n = protowire.ConsumeFieldValue(num, typ, b)
		}
		if n < 0 {
			return protowire.ParseError(n)
		}
		b = b[n:]
		if err := fn(num, typ, v, msg); err != nil {
			return err
		}
	}
	return nil
}

// appendVarints appends a repeated varint field's values, packed or not.
func appendVarints[T any](dst *[]T, typ protowire.Type, v uint64, packed []byte, conv func(uint64) T) error {
	if typ == protowire.VarintType {
		*dst = append(*dst, conv(v))
		return nil
	}
	for len(packed) > 0 {
		x, n := protowire.ConsumeVarint(packed)
		if n < 0 {
			return protowire.ParseError(n)
		}
		*dst = append(*dst, conv(x))
		packed = packed[n:]
	}
	return nil
}
