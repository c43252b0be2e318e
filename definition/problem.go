package definition

import (
	"sort"
	"strconv"
	"strings"
)

// Problem is one thing wrong with a definition, at the JSON path a person or an editor
// can find it by: "nodes[3].next", "trigger.match.keywords[1]", or "definition" for
// the file as a whole.
type Problem struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// Problems is every problem found in one definition, in document order.
type Problems []Problem

// Fields shapes the problems the way the API reports them ({"nodes[2].next": "unknown
// node \"x\""}). A path with several problems gets their messages joined by "; ".
func (ps Problems) Fields() map[string]string {
	if len(ps) == 0 {
		return nil
	}
	fields := make(map[string]string, len(ps))
	for _, p := range ps {
		if prev, ok := fields[p.Path]; ok {
			fields[p.Path] = prev + "; " + p.Message
			continue
		}
		fields[p.Path] = p.Message
	}
	return fields
}

// Error lists the problems on one line, so Problems can travel as an error.
func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Path + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// Err is ps as an error, or nil when there is none (a nil Problems stored in an error
// interface would not compare equal to nil).
func (ps Problems) Err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// At returns the problems at exactly path.
func (ps Problems) At(path string) Problems {
	var at Problems
	for _, p := range ps {
		if p.Path == path {
			at = append(at, p)
		}
	}
	return at
}

// sorted returns the problems in document order (nodes[2] before nodes[10]) without
// repeats, so the same input always reports the same list.
func (ps Problems) sorted() Problems {
	out := make(Problems, 0, len(ps))
	seen := make(map[Problem]bool, len(ps))
	for _, p := range ps {
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return comparePaths(out[i].Path, out[j].Path) < 0 })
	return out
}

// comparePaths orders paths as a reader scans a file: "definition" first, then
// by segment, with indexes compared as numbers.
func comparePaths(a, b string) int {
	if a == b {
		return 0
	}
	if a == pathDefinition {
		return -1
	}
	if b == pathDefinition {
		return 1
	}
	for a != "" && b != "" {
		ca, ra := nextChunk(a)
		cb, rb := nextChunk(b)
		if ca != cb {
			na, errA := strconv.Atoi(ca)
			nb, errB := strconv.Atoi(cb)
			if errA == nil && errB == nil {
				if na < nb {
					return -1
				}
				return 1
			}
			return strings.Compare(ca, cb)
		}
		a, b = ra, rb
	}
	return strings.Compare(a, b)
}

// nextChunk splits off a leading run of digits or of non-digits.
func nextChunk(s string) (chunk, rest string) {
	digit := s[0] >= '0' && s[0] <= '9'
	i := 1
	for i < len(s) && (s[i] >= '0' && s[i] <= '9') == digit {
		i++
	}
	return s[:i], s[i:]
}
