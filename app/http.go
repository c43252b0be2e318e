package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// httpServer is the API's listener and server. Binding happens in startHTTP, so an
// address in use is an error at start rather than a log line later.
type httpServer struct {
	srv  *http.Server
	addr string
	done chan error
}

func startHTTP(addr string, handler http.Handler, log *slog.Logger) (*httpServer, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("API listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	h := &httpServer{srv: srv, addr: ln.Addr().String(), done: make(chan error, 1)}
	go func() {
		err := srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		h.done <- err
	}()
	return h, nil
}

// URL is the server's base URL.
func (h *httpServer) URL() string { return "http://" + h.addr }

// shutdown stops accepting requests and waits for those in flight until ctx ends.
func (h *httpServer) shutdown(ctx context.Context) error {
	err := h.srv.Shutdown(ctx)
	if serveErr := <-h.done; serveErr != nil && err == nil {
		err = serveErr
	}
	return err
}
