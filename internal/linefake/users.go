package linefake

import "net/http"

// handleProfile answers GET /v2/bot/profile/{userId}: the profile of a friend, else 404
// (LINE's answer for unknown users and for users who blocked the channel alike).
func handleProfile(_ *Server, ch *Channel, req request) response {
	u := ch.users[req.params["userId"]]
	if u == nil || u.blocked {
		return lineError(http.StatusNotFound, msgNotFound)
	}
	return response{status: http.StatusOK, body: u.profile, processed: true}
}

// handleLinkRichMenu answers POST /v2/bot/user/{userId}/richmenu/{richMenuId}.
func handleLinkRichMenu(_ *Server, ch *Channel, req request) response {
	userID, menuID := req.params["userId"], req.params["richMenuId"]
	if !isUserID(userID) {
		return lineError(http.StatusBadRequest, msgBadUserIDParam)
	}
	if !ch.richMenus[menuID] {
		return lineError(http.StatusNotFound, msgNotFound)
	}
	ch.links[userID] = menuID
	return response{status: http.StatusOK, processed: true}
}

// handleUnlinkRichMenu answers DELETE /v2/bot/user/{userId}/richmenu; unlinking a user
// with no rich menu succeeds too.
func handleUnlinkRichMenu(_ *Server, ch *Channel, req request) response {
	userID := req.params["userId"]
	if !isUserID(userID) {
		return lineError(http.StatusBadRequest, msgBadUserIDParam)
	}
	delete(ch.links, userID)
	return response{status: http.StatusOK, processed: true}
}

// handleGetUserRichMenu answers GET /v2/bot/user/{userId}/richmenu.
func handleGetUserRichMenu(_ *Server, ch *Channel, req request) response {
	menuID, ok := ch.links[req.params["userId"]]
	if !ok {
		return lineError(http.StatusNotFound, msgNoRichMenu)
	}
	return response{status: http.StatusOK, body: map[string]string{"richMenuId": menuID}, processed: true}
}

// handleQuota answers GET /v2/bot/message/quota.
func handleQuota(_ *Server, ch *Channel, _ request) response {
	if ch.quota < 0 {
		return response{status: http.StatusOK, body: map[string]any{"type": "none"}, processed: true}
	}
	return response{status: http.StatusOK, body: map[string]any{"type": "limited", "value": ch.quota}, processed: true}
}

// handleQuotaConsumption answers GET /v2/bot/message/quota/consumption.
func handleQuotaConsumption(_ *Server, ch *Channel, req request) response {
	return response{status: http.StatusOK, body: map[string]int{"totalUsage": ch.usedThisMonth(req.now)}, processed: true}
}
