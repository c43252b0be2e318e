package main

import (
	"os"
	"regexp"
	"strings"
)

// dateLayout is how the report dates a run.
const dateLayout = "2006-01-02 15:04 MST"

// The machine table's rows that describe the product's process, kept from the previous
// file when a run did not start it, and the row of P5's database.
var (
	productMachineRows = []string{"App database", "Temporal's persistence", "Temporal dynamic config overrides (`-dynamic-config`)", "Start-up"}
	segmentDatabaseRow = "Segment count database (P5)"
)

// previousReport is what an earlier BENCHMARKS.md holds: a run of some scenarios keeps
// the others' figures from it rather than dropping them.
type previousReport struct {
	// measured is when the earlier run was made, as its header says.
	measured string
	// rows are the results table's rows and sections the "## " sections (heading
	// included), by scenario: "P1" to "P5", and "Free" for the free messages.
	rows     map[string][]string
	sections map[string]string
	// machine are the machine table's rows by their first cell.
	machine map[string]string
}

var (
	measuredOn   = regexp.MustCompile(`\bon (\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC)`)
	scenarioName = regexp.MustCompile(`^(P\d+)\b`)
)

// scenarioOf is the scenario a section heading or a results row (without its leading
// "## " or "| ") is about, or "".
func scenarioOf(title string) string {
	if strings.HasPrefix(title, "Free messages") {
		return "Free"
	}
	if m := scenarioName.FindStringSubmatch(title); m != nil {
		return m[1]
	}
	return ""
}

// readPrevious reads the report at path; a missing or unreadable one is an empty report.
func readPrevious(path string) previousReport {
	p := previousReport{rows: map[string][]string{}, sections: map[string]string{}, machine: map[string]string{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return p
	}
	text := string(b)
	if m := measuredOn.FindStringSubmatch(text); m != nil {
		p.measured = m[1]
	}
	// Split at the "## " headings; the text before the first is the header.
	chunks := strings.Split("\n"+text, "\n## ")
	for _, chunk := range chunks[1:] {
		title, _, _ := strings.Cut(chunk, "\n")
		switch {
		case title == "Machine":
			for _, line := range strings.Split(chunk, "\n") {
				if cells := strings.Split(line, " | "); strings.HasPrefix(line, "| ") && len(cells) > 1 {
					p.machine[strings.TrimPrefix(cells[0], "| ")] = line
				}
			}
		case title == "Results":
			for _, line := range strings.Split(chunk, "\n") {
				if key := scenarioOf(strings.TrimPrefix(line, "| ")); strings.HasPrefix(line, "| ") && key != "" {
					p.rows[key] = append(p.rows[key], line)
				}
			}
		case scenarioOf(title) != "":
			p.sections[scenarioOf(title)] = "## " + strings.TrimRight(chunk, "\n") + "\n\n"
		}
	}
	return p
}

// keptMarker starts the line that dates a section kept from an earlier run.
const keptMarker = "_Measured on "

// keptSection is section as kept from a run made on measured: dated under its heading,
// unless an earlier keep dated it already.
func keptSection(section, measured string) string {
	heading, body, _ := strings.Cut(section, "\n")
	body = strings.TrimLeft(body, "\n")
	if strings.HasPrefix(body, keptMarker) || measured == "" {
		return section
	}
	return heading + "\n\n" + keptMarker + measured + " by an earlier run; the latest run did not run it._\n\n" + body
}
