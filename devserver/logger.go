package devserver

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"

	"go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// parseLevel reads a level name as Options.LogLevel spells it; "" means warn,
// which keeps a laptop terminal quiet while leaving real trouble visible.
func parseLevel(name string) (slog.Level, error) {
	if name == "" {
		return slog.LevelWarn, nil
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(name))); err != nil {
		return 0, fmt.Errorf("log level %q: want debug, info, warn or error", name)
	}
	return level, nil
}

// minLevelHandler drops records below a level before they reach the wrapped
// handler, so the server's chatter obeys Options.LogLevel whatever level the
// caller's logger is set to.
type minLevelHandler struct {
	slog.Handler
	min slog.Leveler
}

func (h minLevelHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return level >= h.min.Level() && h.Handler.Enabled(ctx, level)
}

func (h minLevelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithAttrs(attrs), min: h.min}
}

func (h minLevelHandler) WithGroup(name string) slog.Handler {
	return minLevelHandler{Handler: h.Handler.WithGroup(name), min: h.min}
}

// serverLogger lets the Temporal server write to a *slog.Logger: it implements
// the server's log.Logger, and its SLog method lets the server's own slog
// bridge use the logger directly instead of wrapping it twice.
type serverLogger struct {
	slog  *slog.Logger
	level *slog.LevelVar // shared by every logger With derives
}

var (
	_ log.Logger     = serverLogger{}
	_ log.WithLogger = serverLogger{}
)

func newServerLogger(base *slog.Logger, min slog.Level) serverLogger {
	level := new(slog.LevelVar)
	level.Set(min)
	return serverLogger{slog: slog.New(minLevelHandler{Handler: base.Handler(), min: level}), level: level}
}

// quietForShutdown raises the level to error: while the services stop one by
// one, the survivors warn about every peer that has gone, which is expected.
func (l serverLogger) quietForShutdown() {
	if l.level.Level() < slog.LevelError {
		l.level.Set(slog.LevelError)
	}
}

// silence drops everything from now on. The server leaves a few of its own
// SDK workers running after it stops (see dynamicConfig); their complaints
// about the missing frontend are noise, and their writer may be gone (a
// finished test's output).
func (l serverLogger) silence() {
	l.level.Set(slog.Level(math.MaxInt32))
}

func (l serverLogger) SLog() *slog.Logger { return l.slog }

func (l serverLogger) With(tags ...tag.Tag) log.Logger {
	return serverLogger{slog: slog.New(l.slog.Handler().WithAttrs(attrsOf(tags))), level: l.level}
}

func (l serverLogger) Debug(msg string, tags ...tag.Tag) { l.write(slog.LevelDebug, msg, tags) }
func (l serverLogger) Info(msg string, tags ...tag.Tag)  { l.write(slog.LevelInfo, msg, tags) }
func (l serverLogger) Warn(msg string, tags ...tag.Tag)  { l.write(slog.LevelWarn, msg, tags) }
func (l serverLogger) Error(msg string, tags ...tag.Tag) { l.write(slog.LevelError, msg, tags) }

// DPanic panics only in zap's development mode; an embedded server logs it as
// an error and carries on, as the server does in production.
func (l serverLogger) DPanic(msg string, tags ...tag.Tag) { l.write(slog.LevelError, msg, tags) }

func (l serverLogger) Panic(msg string, tags ...tag.Tag) {
	l.write(slog.LevelError, msg, tags)
	panic(msg)
}

// Fatal would end the process with zap. Inside someone else's process a panic
// is kinder: Start recovers it when it happens while the server starts (a port
// taken between our check and the server's bind, say) and returns it as an
// error, and elsewhere it still stops the program with a stack trace.
func (l serverLogger) Fatal(msg string, tags ...tag.Tag) {
	l.write(slog.LevelError, msg, tags)
	panic(fatalError{msg: msg, tags: tags})
}

func (l serverLogger) write(level slog.Level, msg string, tags []tag.Tag) {
	ctx := context.Background()
	if !l.slog.Enabled(ctx, level) {
		return
	}
	l.slog.LogAttrs(ctx, level, msg, attrsOf(tags)...)
}

func attrsOf(tags []tag.Tag) []slog.Attr {
	attrs := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		attrs = append(attrs, slog.Any(t.Key(), t.Value()))
	}
	return attrs
}

// fatalError is what the server's Fatal log calls panic with.
type fatalError struct {
	msg  string
	tags []tag.Tag
}

func (e fatalError) Error() string {
	var b strings.Builder
	b.WriteString(e.msg)
	for _, t := range e.tags {
		fmt.Fprintf(&b, " %s=%v", t.Key(), t.Value())
	}
	return b.String()
}
