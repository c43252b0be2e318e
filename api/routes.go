package api

import "github.com/labstack/echo/v4"

// routes registers every route, in one place, so that a reader sees the whole API here.
// Each route is also in openapi.json; TestOpenAPI_DocumentsExactlyTheRoutes fails when
// the two differ, and TestTenancy_* when a /v1 route with a path parameter has no
// tenancy case.
func (s *server) routes(e *echo.Echo) {
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/openapi.json", serveOpenAPI)

	// Every route under /v1 needs an API key: requireAPIKey sees to it.
	v1 := e.Group(apiPrefix)

	v1.POST("/line-accounts", s.createLineAccount)
	v1.GET("/line-accounts", s.listLineAccounts)
	v1.GET("/line-accounts/:id", s.getLineAccount)
	v1.PATCH("/line-accounts/:id", s.updateLineAccount)
	v1.DELETE("/line-accounts/:id", s.deleteLineAccount)

	v1.POST("/workflows", s.createWorkflow)
	v1.GET("/workflows", s.listWorkflows)
	v1.POST("/workflows/import", s.importWorkflow)
	v1.POST("/workflows/from-template", s.createFromTemplate)
	v1.GET("/workflows/:id", s.getWorkflow)
	v1.PUT("/workflows/:id", s.updateWorkflow)
	v1.DELETE("/workflows/:id", s.deleteWorkflow)
	v1.POST("/workflows/:id/activate", s.activateWorkflow)
	v1.POST("/workflows/:id/pause", s.pauseWorkflow)
	v1.POST("/workflows/:id/stop", s.stopWorkflow)
	v1.POST("/workflows/:id/archive", s.archiveWorkflow)
	v1.POST("/workflows/:id/clone", s.cloneWorkflow)
	v1.GET("/workflows/:id/export", s.exportWorkflow)
	v1.GET("/workflows/:id/versions", s.listVersions)
	v1.GET("/workflows/:id/versions/:version", s.getVersion)
	v1.GET("/workflow-templates", s.listTemplates)
}
