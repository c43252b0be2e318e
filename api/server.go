package api

import (
	"encoding/json"
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/lumoworkflows/lumo/activities"
	"github.com/lumoworkflows/lumo/config"
	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// Deps is what the API needs from the rest of the program.
type Deps struct {
	// Config supplies HTTPBodyLimit (0 means 1 MiB) and PublicURL (the base of the webhook
	// URLs the API shows).
	Config config.Config
	// Store is the application database. Required.
	Store *models.Store
	// Temporal is checked by /readyz; nil means /readyz reports temporal as
	// "not configured" and is 503.
	Temporal HealthChecker
	// Logger receives the access log and errors; nil means slog.Default().
	Logger *slog.Logger
	// Engine starts, signals and ejects runs on Temporal (engine.Engine); nil makes
	// the routes that need it answer 503, and stop only records the status.
	Engine Engine
	// Runs tells whether the engine can run steps of a kind; activation refuses a kind
	// it cannot. Nil accepts every kind of the language.
	Runs func(kind string) bool
	// LINE sends an auto message's test pushes; nil makes them answer 503.
	LINE *activities.LINE
	// Now is the rate limits' clock; nil means time.Now. Tests pass a clock they move.
	Now func() time.Time
}

// server holds what the handlers share; its methods are the handlers.
type server struct {
	cfg      config.Config
	store    *models.Store
	temporal HealthChecker
	engine   Engine
	runs     func(kind string) bool
	line     *activities.LINE
	log      *slog.Logger
	validate *inputValidator
}

// New returns the API, fully configured with its middleware and routes but not listening:
// serve it with e.Start(addr), or use it as an http.Handler.
func New(deps Deps) *echo.Echo {
	log := deps.Logger
	if log == nil {
		log = slog.Default()
	}
	limit := deps.Config.HTTPBodyLimit
	if limit <= 0 {
		limit = defaultBodyLimit
	}
	cfg := deps.Config
	// Zero limits mean the defaults, so a Config built by hand (as in tests) works.
	if cfg.MaxNodes <= 0 {
		cfg.MaxNodes = definition.DefaultLimits.MaxNodes
	}
	if cfg.MaxDefinitionBytes <= 0 {
		cfg.MaxDefinitionBytes = definition.DefaultLimits.MaxBytes
	}
	if cfg.MaxWorkflows <= 0 {
		cfg.MaxWorkflows = models.DefaultWorkflowLimit
	}
	s := &server{
		cfg:      cfg,
		store:    deps.Store,
		temporal: deps.Temporal,
		engine:   deps.Engine,
		runs:     deps.Runs,
		line:     deps.LINE,
		log:      log,
		validate: newInputValidator(),
	}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(log)
	e.JSONSerializer = jsonSerializer{}

	// Outermost first: the request ID exists before anything logs, the access log sees the
	// final status of everything inside it, a panic anywhere below becomes a 500, and no
	// handler under /v1 runs without a valid key.
	limits := newRateLimiter(cfg.RateLimits, cfg.TrustedProxies, deps.Now)
	e.Use(
		requestID(),
		securityHeaders(), // before anything can answer, so every answer carries them
		accessLog(log),
		recoverPanics(log),
		limits.perClient(), // before the key is checked: guessing keys is throttled too
		limitBody(limit),
		requireAPIKey(s.store),
		limits.perAPIKey(),
	)
	s.routes(e)
	return e
}

// jsonSerializer is echo's default but for HTML escaping: API clients are not browsers,
// and a message reading "Bearer <api key>" should not arrive as "Bearer \u003capi key\u003e".
type jsonSerializer struct{ echo.DefaultJSONSerializer }

func (jsonSerializer) Serialize(c echo.Context, i any, indent string) error {
	enc := json.NewEncoder(c.Response())
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	return enc.Encode(i)
}
