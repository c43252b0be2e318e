package definition

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

var nodeIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// definition runs every check on a decoded definition: fields, trigger, each node, the
// graph. complete is false when some node could not be read in full; the checks that
// would only echo that (unreachable steps, a missing list of steps) are skipped.
func (c *checker) definition(d *Definition, complete bool) {
	c.fields(d, "")
	d.Trigger.check(c)
	for i, n := range d.Nodes {
		if _, unknown := n.(*UnknownNode); unknown {
			continue
		}
		path := fmt.Sprintf("nodes[%d]", i)
		c.fields(n, path)
		n.check(c, path)
	}
	c.graph(d, complete)
}

// graph checks node IDs, start, every outlet's target, reachability and loops.
func (c *checker) graph(d *Definition, complete bool) {
	index := map[string]int{}
	for i, n := range d.Nodes {
		id := n.Base().ID
		path := fmt.Sprintf("nodes[%d].id", i)
		switch _, unknown := n.(*UnknownNode); {
		case id == "" && unknown:
			continue // its type is the problem
		case id == "":
			c.add(path, "required")
			continue
		case !nodeIDPattern.MatchString(id):
			c.add(path, "must be 1 to 64 letters, digits, _ or -")
		}
		if first, dup := index[id]; dup {
			c.add(path, fmt.Sprintf("duplicate id %q: nodes[%d] has it too", id, first))
			continue
		}
		index[id] = i
	}

	if len(d.Nodes) == 0 {
		if complete {
			c.add("nodes", "a workflow needs at least one step")
		}
		return
	}
	startOK := false
	switch _, ok := index[d.Start]; {
	case d.Start == "":
		c.add("start", "required: the id of the first step")
	case !ok:
		c.add("start", fmt.Sprintf("unknown node %q", d.Start))
	default:
		startOK = true
	}
	for _, o := range d.Outlets() {
		if _, ok := index[o.Target]; o.Target != "" && !ok {
			c.add(o.Path, fmt.Sprintf("unknown node %q", o.Target))
		}
	}
	if startOK && complete {
		reached := reachable(d, index)
		for i, n := range d.Nodes {
			if first := index[n.Base().ID]; first == i && !reached[i] {
				c.add(fmt.Sprintf("nodes[%d]", i), "unreachable from start")
			}
		}
	}
	for _, cycle := range d.Loops() {
		c.add(fmt.Sprintf("nodes[%d]", index[cycle[0]]),
			fmt.Sprintf("workflow loop detected: %s never waits", strings.Join(cycle, " → ")))
	}
}

// reachable marks the nodes a run can get to from start.
func reachable(d *Definition, index map[string]int) []bool {
	reached := make([]bool, len(d.Nodes))
	queue := []int{index[d.Start]}
	reached[queue[0]] = true
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		for _, o := range d.Nodes[i].Outlets() {
			if j, ok := index[o.Target]; ok && !reached[j] {
				reached[j] = true
				queue = append(queue, j)
			}
		}
	}
	return reached
}

// Loops returns every loop in the graph that a run could go round without ever
// waiting: a friend caught in one would be messaged (or a system called) as fast as the
// engine can go. Each is a list of node IDs that starts and ends with the same node
// ("a", "b", "a"), one per group of entangled loops, in document order.
//
// Waiting is a property of the way out of a node: the next, invalid and timedOut outlets
// of a question, the next of a delay and of a customer_agent are taken only after a wait;
// a failed outlet is taken at once (the question could not even be sent), so a loop
// through it does not wait.
func (d *Definition) Loops() [][]string {
	index := map[string]int{}
	for i, n := range d.Nodes {
		if id := n.Base().ID; id != "" {
			if _, dup := index[id]; !dup {
				index[id] = i
			}
		}
	}
	edges := make([][]int, len(d.Nodes))
	for i, n := range d.Nodes {
		spec, _ := findKind(n.Base().Type)
		for _, o := range n.Outlets() {
			j, ok := index[o.Target]
			if !ok || spec.waits && o.Name != "failed" {
				continue
			}
			if !slices.Contains(edges[i], j) {
				edges[i] = append(edges[i], j)
			}
		}
	}
	var loops [][]string
	for _, component := range stronglyConnected(edges) {
		first := slices.Min(component)
		if len(component) == 1 && !slices.Contains(edges[first], first) {
			continue
		}
		cycle := shortestCycle(edges, first, component)
		ids := make([]string, len(cycle))
		for k, i := range cycle {
			ids[k] = d.Nodes[i].Base().ID
		}
		loops = append(loops, ids)
	}
	slices.SortFunc(loops, func(a, b []string) int { return index[a[0]] - index[b[0]] })
	return loops
}

// stronglyConnected returns the strongly connected components of a graph (Tarjan's
// algorithm): the groups of nodes that can each reach all the others.
func stronglyConnected(edges [][]int) [][]int {
	n := len(edges)
	order := make([]int, n) // visit order + 1; 0 is unvisited
	low := make([]int, n)
	onStack := make([]bool, n)
	var stack []int
	var components [][]int
	counter := 0
	var visit func(v int)
	visit = func(v int) {
		counter++
		order[v], low[v] = counter, counter
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range edges[v] {
			switch {
			case order[w] == 0:
				visit(w)
				low[v] = min(low[v], low[w])
			case onStack[w]:
				low[v] = min(low[v], order[w])
			}
		}
		if low[v] != order[v] {
			return
		}
		var component []int
		for {
			w := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[w] = false
			component = append(component, w)
			if w == v {
				break
			}
		}
		components = append(components, component)
	}
	for v := range n {
		if order[v] == 0 {
			visit(v)
		}
	}
	return components
}

// shortestCycle finds the shortest way from start back to itself inside component,
// as a list that begins and ends with start.
func shortestCycle(edges [][]int, start int, component []int) []int {
	parent := map[int]int{}
	queue := []int{start}
	for len(queue) > 0 {
		v := queue[0]
		queue = queue[1:]
		for _, w := range edges[v] {
			if w == start {
				path := []int{start}
				for at := v; at != start; at = parent[at] {
					path = append(path, at)
				}
				path = append(path, start)
				slices.Reverse(path)
				return path
			}
			if _, seen := parent[w]; !seen && slices.Contains(component, w) {
				parent[w] = v
				queue = append(queue, w)
			}
		}
	}
	return []int{start, start} // unreachable for a real component
}

// FindWorkflowCycle looks for a circle of workflows that start each other, through
// from: startsOf returns the workflows a workflow's start_workflow steps enroll into
// (Definition.StartsWorkflows of its active version). It returns the shortest such
// circle, beginning and ending with from ([A B A], or [A A] for a workflow that starts
// itself), or nil.
func FindWorkflowCycle(from string, startsOf func(id string) []string) []string {
	parent := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		for _, next := range startsOf(id) {
			if next == from {
				cycle := []string{from}
				for at := id; at != from; at = parent[at] {
					cycle = append(cycle, at)
				}
				cycle = append(cycle, from)
				slices.Reverse(cycle)
				return cycle
			}
			if _, seen := parent[next]; !seen {
				parent[next] = id
				queue = append(queue, next)
			}
		}
	}
	return nil
}
