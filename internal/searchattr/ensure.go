// Package searchattr registers custom search attributes on a Temporal namespace, for the
// embedded dev server at start and for `lumo worker` against a cluster.
package searchattr

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Ensure registers the attributes of want that the namespace lacks and returns once
// workflows can use them. An attribute that exists with another type is an error: a type
// cannot change.
func Ensure(ctx context.Context, c client.Client, namespace string, want map[string]enums.IndexedValueType) error {
	if len(want) == 0 {
		return nil
	}
	have, err := c.OperatorService().ListSearchAttributes(ctx,
		&operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes of %s: %w", namespace, err)
	}
	missing := make(map[string]enums.IndexedValueType)
	for name, typ := range want {
		got, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = typ
		case got != typ:
			return fmt.Errorf("search attribute %s on namespace %s is %s, want %s: a type cannot change",
				name, namespace, got, typ)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace:        namespace,
		SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes to %s: %w", namespace, err)
	}

	// Workflows name attributes through a namespace cache that the server refreshes
	// every few seconds: until it has, the first workflow setting a new attribute would
	// be rejected. A visibility query naming the attribute passes once it has.
	for name := range missing {
		query := fmt.Sprintf("`%s` IS NULL", name)
		for {
			_, err := c.CountWorkflow(ctx, &workflowservice.CountWorkflowExecutionsRequest{Namespace: namespace, Query: query})
			if err == nil {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("wait for search attribute %s: %w", name, err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
