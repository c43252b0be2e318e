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
	// A QR code's scan link: public, the code's ID is all it carries.
	e.GET("/q/:id", s.scanQRCode)
	// LINE's webhook: authenticated by its signature, not an API key.
	e.POST("/webhooks/line/:lineAccountId", s.lineWebhook)

	// Every route under /v1 needs an API key: requireAPIKey sees to it.
	v1 := e.Group(apiPrefix)

	v1.POST("/line-accounts", s.createLineAccount)
	v1.GET("/line-accounts", s.listLineAccounts)
	v1.GET("/line-accounts/:id", s.getLineAccount)
	v1.PATCH("/line-accounts/:id", s.updateLineAccount)
	v1.DELETE("/line-accounts/:id", s.deleteLineAccount)
	v1.GET("/line-accounts/:id/rejected-events", s.listRejectedEvents)

	v1.GET("/friends", s.listFriends)
	v1.GET("/friends/:id", s.getFriend)
	v1.POST("/friends/:id/tags", s.addFriendTag)
	v1.DELETE("/friends/:id/tags/:tag", s.removeFriendTag)

	v1.POST("/auto-messages", s.createAutoMessage)
	v1.GET("/auto-messages", s.listAutoMessages)
	v1.GET("/auto-messages/:id", s.getAutoMessage)
	v1.PUT("/auto-messages/:id", s.updateAutoMessage)
	v1.DELETE("/auto-messages/:id", s.deleteAutoMessage)
	v1.POST("/auto-messages/:id/preview", s.previewAutoMessage)
	v1.POST("/auto-messages/:id/test", s.testAutoMessage)

	v1.POST("/qr-codes", s.createQRCode)
	v1.GET("/qr-codes", s.listQRCodes)
	v1.GET("/qr-codes/:id", s.getQRCode)
	v1.PUT("/qr-codes/:id", s.updateQRCode)
	v1.DELETE("/qr-codes/:id", s.deleteQRCode)
	v1.GET("/qr-codes/:id/image.png", s.qrCodeImage)

	v1.POST("/segments", s.createSegment)
	v1.GET("/segments", s.listSegments)
	v1.GET("/segments/:id", s.getSegment)
	v1.PUT("/segments/:id", s.updateSegment)
	v1.DELETE("/segments/:id", s.deleteSegment)
	v1.GET("/segments/:id/preview", s.previewSegment)
	v1.GET("/segment-folders", s.listSegmentFolders)
	v1.POST("/segment-folders", s.createSegmentFolder)
	v1.PUT("/segment-folders/:id", s.renameSegmentFolder)
	v1.DELETE("/segment-folders/:id", s.deleteSegmentFolder)

	v1.GET("/secrets", s.listSecrets)
	v1.PUT("/secrets/:name", s.putSecret)
	v1.DELETE("/secrets/:name", s.deleteSecret)

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
	v1.POST("/workflows/:id/executions", s.enrollFriend)
	v1.POST("/workflows/:id/test", s.testWorkflow)
	v1.GET("/workflows/:id/executions", s.listExecutions)
	v1.GET("/workflows/:id/stats", s.workflowStats)
	v1.GET("/executions/:id", s.getExecution)
	v1.POST("/executions/:id/stop", s.stopExecution)
	v1.POST("/executions/:id/replies", s.replyToExecution)
	v1.GET("/workflow-templates", s.listTemplates)

	v1.POST("/broadcasts", s.createBroadcast)
	v1.GET("/broadcasts", s.listBroadcasts)
	v1.GET("/broadcasts/:id", s.getBroadcast)
	v1.POST("/broadcasts/:id/cancel", s.cancelBroadcast)
	v1.POST("/broadcasts/:id/resume", s.resumeBroadcast)
	v1.POST("/segments/:id/broadcasts", s.createSegmentBroadcast)

	v1.GET("/api-keys", s.listAPIKeys)
	v1.POST("/api-keys", s.createAPIKey)
	v1.DELETE("/api-keys/:id", s.revokeAPIKey)
}
