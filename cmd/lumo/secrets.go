package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/lumoworkflows/lumo/app"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/models"
)

const secretsUsage = "lumo secrets rotate [--batch N]"

// runSecrets is `lumo secrets rotate`: every sealed value re-sealed under the first key
// of LUMO_SECRET_KEY, with the counts on stdout.
func runSecrets(ctx context.Context, cfg config.Config, args []string, log *slog.Logger, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("%s: %w", secretsUsage, errUsage)
	}
	flags := flag.NewFlagSet("lumo secrets rotate", flag.ContinueOnError)
	flags.SetOutput(io.Discard)
	batch := flags.Int("batch", models.DefaultRotationBatch, "rows re-sealed in one transaction")
	if err := flags.Parse(args[1:]); err != nil || flags.NArg() > 0 {
		return fmt.Errorf("%s: %w", secretsUsage, errUsage)
	}
	if *batch <= 0 {
		return fmt.Errorf("--batch %d: want a positive number of rows (%s): %w", *batch, secretsUsage, errUsage)
	}
	report, err := app.RotateSecrets(ctx, cfg, *batch, log)
	for _, column := range report.Columns {
		fmt.Fprintf(stdout, "%s: %d re-sealed, %d already under key %s", column.Column, column.Resealed, column.AlreadyCurrent, report.KeyID)
		if column.Changed > 0 {
			fmt.Fprintf(stdout, ", %d changed meanwhile", column.Changed)
		}
		fmt.Fprintln(stdout)
	}
	if err != nil {
		// The batches before the failure are committed: running again picks up from there.
		return fmt.Errorf("rotation stopped (what was re-sealed stays so; run it again to finish): %w", err)
	}
	fmt.Fprintf(stdout, "%d values re-sealed under key %s, %d already under it\n", report.Resealed, report.KeyID, report.AlreadyCurrent)
	switch len(report.RetiredKeys) {
	case 0:
	case 1:
		fmt.Fprintf(stdout, "retired key %s: no value is sealed under it any more; LUMO_SECRET_KEY may now drop it\n", report.RetiredKeys[0])
	default:
		fmt.Fprintf(stdout, "retired keys %s: no value is sealed under them any more; LUMO_SECRET_KEY may now drop them\n", strings.Join(report.RetiredKeys, ", "))
	}
	return nil
}
