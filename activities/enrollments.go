package activities

import (
	"context"
	"errors"

	"go.temporal.io/sdk/temporal"

	"github.com/lumoworkflows/lumo/models"
)

// ErrEnrollmentRefused: the other workflow will not take the friend (it is not active,
// the friend is already enrolled in it, it is gone): the start_workflow step takes
// failed. Retrying cannot help.
const ErrEnrollmentRefused = "EnrollmentRefused"

// Enroller starts runs: the engine (engine.Engine) behind the enrollment route.
type Enroller interface {
	Enroll(ctx context.Context, e models.Enrollment) (models.Execution, error)
}

// Enrollments enroll friends in workflows from inside a run (the start_workflow step).
// It is a regular activity: it calls the Temporal frontend, whose outages it waits out
// with visible retries; an enrollment repeated by a retry is recognised by its
// execution ID and counts once.
type Enrollments struct {
	Engine Enroller
}

// StartInput enrolls a friend; Enrollment.ExecutionID is derived from the calling run,
// node and visit.
type StartInput struct {
	Enrollment models.Enrollment
}

// StartResult names the execution the enrollment started.
type StartResult struct {
	ExecutionID string
	Version     int
}

// Start enrolls the friend. Refusals are non-retryable ErrEnrollmentRefused errors;
// Temporal or the database being unreachable is retried.
func (a *Enrollments) Start(ctx context.Context, in StartInput) (StartResult, error) {
	x, err := a.Engine.Enroll(ctx, in.Enrollment)
	var (
		conflict *models.ConflictError
		invalid  *models.FieldError
	)
	switch {
	case err == nil:
		return StartResult{ExecutionID: x.ID, Version: x.Version}, nil
	case errors.As(err, &conflict):
		return StartResult{}, temporal.NewNonRetryableApplicationError(conflict.Message, ErrEnrollmentRefused, nil)
	case errors.As(err, &invalid):
		return StartResult{}, temporal.NewNonRetryableApplicationError(invalid.Error(), ErrEnrollmentRefused, nil)
	case errors.Is(err, models.ErrNotFound):
		return StartResult{}, temporal.NewNonRetryableApplicationError("the workflow to start no longer exists", ErrEnrollmentRefused, nil)
	}
	return StartResult{}, err
}
