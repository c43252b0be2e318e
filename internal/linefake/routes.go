package linefake

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Endpoint names a Messaging API operation the fake serves.
type Endpoint string

const (
	EndpointPush             Endpoint = "push"
	EndpointReply            Endpoint = "reply"
	EndpointMulticast        Endpoint = "multicast"
	EndpointProfile          Endpoint = "profile"
	EndpointLinkRichMenu     Endpoint = "richmenu.link"
	EndpointUnlinkRichMenu   Endpoint = "richmenu.unlink"
	EndpointGetUserRichMenu  Endpoint = "richmenu.get"
	EndpointQuota            Endpoint = "quota"
	EndpointQuotaConsumption Endpoint = "quota.consumption"
)

// takesRetryKey reports whether LINE accepts X-Line-Retry-Key on the endpoint (push,
// multicast, narrowcast and broadcast; the last two are not modelled).
func (e Endpoint) takesRetryKey() bool {
	return e == EndpointPush || e == EndpointMulticast
}

// request is what an endpoint handler gets: the call being served, its path
// parameters and the time it is processed at.
type request struct {
	call   *Call
	params map[string]string
	now    time.Time
}

// handler does an endpoint's work. It runs with Server.mu held.
type handler func(s *Server, ch *Channel, req request) response

type route struct {
	endpoint Endpoint
	handle   handler
	params   map[string]string
}

type pattern struct {
	method   string
	segments []string // "{name}" captures a segment
	endpoint Endpoint
	handle   handler
}

var patterns = []pattern{
	{http.MethodPost, split("/v2/bot/message/push"), EndpointPush, handlePush},
	{http.MethodPost, split("/v2/bot/message/reply"), EndpointReply, handleReply},
	{http.MethodPost, split("/v2/bot/message/multicast"), EndpointMulticast, handleMulticast},
	{http.MethodGet, split("/v2/bot/message/quota"), EndpointQuota, handleQuota},
	{http.MethodGet, split("/v2/bot/message/quota/consumption"), EndpointQuotaConsumption, handleQuotaConsumption},
	{http.MethodGet, split("/v2/bot/profile/{userId}"), EndpointProfile, handleProfile},
	{http.MethodPost, split("/v2/bot/user/{userId}/richmenu/{richMenuId}"), EndpointLinkRichMenu, handleLinkRichMenu},
	{http.MethodDelete, split("/v2/bot/user/{userId}/richmenu"), EndpointUnlinkRichMenu, handleUnlinkRichMenu},
	{http.MethodGet, split("/v2/bot/user/{userId}/richmenu"), EndpointGetUserRichMenu, handleGetUserRichMenu},
}

func split(path string) []string { return strings.Split(strings.Trim(path, "/"), "/") }

// match finds the route for a request, or the 404 or 405 LINE answers instead.
func match(method, path string) (route, *response) {
	segments := split(path)
	pathKnown := false
	for _, p := range patterns {
		params, ok := p.match(segments)
		if !ok {
			continue
		}
		if p.method != method {
			pathKnown = true
			continue
		}
		return route{endpoint: p.endpoint, handle: p.handle, params: params}, nil
	}
	if pathKnown {
		resp := lineError(http.StatusMethodNotAllowed, fmt.Sprintf("The request method, '%s', is not supported", method))
		return route{}, &resp
	}
	resp := lineError(http.StatusNotFound, msgNotFound)
	return route{}, &resp
}

func (p pattern) match(segments []string) (map[string]string, bool) {
	if len(segments) != len(p.segments) {
		return nil, false
	}
	var params map[string]string
	for i, want := range p.segments {
		if strings.HasPrefix(want, "{") {
			if segments[i] == "" {
				return nil, false
			}
			if params == nil {
				params = make(map[string]string)
			}
			params[strings.Trim(want, "{}")] = segments[i]
			continue
		}
		if segments[i] != want {
			return nil, false
		}
	}
	return params, true
}
