package api

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/skip2/go-qrcode"

	"github.com/lumoworkflows/lumo/definition"
	"github.com/lumoworkflows/lumo/models"
)

// QR code images: ?size= in pixels, within these bounds.
const (
	minQRImageSize     = 128
	maxQRImageSize     = 1024
	defaultQRImageSize = 512
)

// Where a scan sends the person: the chat with the account, the scan's code in the input
// box (LINE offers to add the account first to someone who has not), or LINE's home when
// the account's basic ID is unknown.
const (
	oaMessageURLPrefix = "https://line.me/R/oaMessage/"
	lineHomeURL        = "https://line.me/R/"
)

// oaMessageURL is LINE's link that opens the chat with the account whose basic ID it
// names, text filled in: LINE's URL scheme wants the ID's "@" and the text
// percent-encoded (spaces as %20, not +).
func oaMessageURL(basicID, text string) string {
	return oaMessageURLPrefix + "%40" + url.PathEscape(strings.TrimPrefix(basicID, "@")) + "/?" +
		strings.ReplaceAll(url.QueryEscape(text), "+", "%20")
}

// qrCodeBody is the body of POST /v1/qr-codes and PUT /v1/qr-codes/{id} (which replaces
// the whole code: an absent workflowId or campaign clears it).
type qrCodeBody struct {
	Name          string  `json:"name" validate:"required,notblank,singleline,max=100"`
	LineAccountID string  `json:"lineAccountId" validate:"required,notblank,max=100"`
	WorkflowID    *string `json:"workflowId" validate:"omitnil,notblank,max=100"`
	Campaign      string  `json:"campaign" validate:"singleline,max=100"`
}

// qrCodeJSON is how a QR code is shown.
type qrCodeJSON struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	LineAccountID string    `json:"lineAccountId"`
	WorkflowID    *string   `json:"workflowId"`
	Campaign      string    `json:"campaign"`
	ScanCount     int64     `json:"scanCount"`
	ScanURL       string    `json:"scanUrl"`
	ImageURL      string    `json:"imageUrl"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt"`
}

func (s *server) qrCodeJSON(q models.QRCode) qrCodeJSON {
	return qrCodeJSON{
		ID:            q.ID,
		Name:          q.Name,
		LineAccountID: q.LineAccountID,
		WorkflowID:    q.WorkflowID,
		Campaign:      q.Campaign,
		ScanCount:     q.ScanCount,
		ScanURL:       s.scanURL(q.ID),
		ImageURL:      s.cfg.PublicURL + apiPrefix + "/qr-codes/" + q.ID + "/image.png",
		CreatedAt:     q.CreatedAt.UTC(),
		UpdatedAt:     q.UpdatedAt.UTC(),
	}
}

// scanURL is what a QR code encodes: the public link that counts the scan.
func (s *server) scanURL(id string) string {
	return s.cfg.PublicURL + "/q/" + id
}

func (s *server) bindQRCode(c echo.Context) (models.QRCodeInput, error) {
	var in qrCodeBody
	if err := s.bind(c, &in); err != nil {
		return models.QRCodeInput{}, err
	}
	return models.QRCodeInput{Name: in.Name, LineAccountID: in.LineAccountID, WorkflowID: in.WorkflowID, Campaign: in.Campaign}, nil
}

func (s *server) createQRCode(c echo.Context) error {
	in, err := s.bindQRCode(c)
	if err != nil {
		return err
	}
	q, err := s.store.CreateQRCode(c.Request().Context(), workspaceID(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, s.qrCodeJSON(q))
}

func (s *server) listQRCodes(c echo.Context) error {
	page, err := pageParams(c)
	if err != nil {
		return err
	}
	list, next, err := s.store.ListQRCodes(c.Request().Context(), workspaceID(c), page)
	if err != nil {
		return err
	}
	items := make([]qrCodeJSON, len(list))
	for i, q := range list {
		items[i] = s.qrCodeJSON(q)
	}
	return c.JSON(http.StatusOK, newListResponse(items, next))
}

// getQRCode answers the code; GET /v1/qr-codes/{id}.png, which lands here because echo
// takes the whole segment as the ID, answers its image as /image.png does.
func (s *server) getQRCode(c echo.Context) error {
	id := c.Param("id")
	if bare, ok := strings.CutSuffix(id, ".png"); ok {
		return s.qrImage(c, bare)
	}
	q, err := s.store.GetQRCode(c.Request().Context(), workspaceID(c), id)
	if err != nil {
		return qrCodeError(err)
	}
	return c.JSON(http.StatusOK, s.qrCodeJSON(q))
}

func (s *server) updateQRCode(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	// Another workspace's ID is a 404 before the body is judged.
	if _, err := s.store.GetQRCode(ctx, ws, id); err != nil {
		return qrCodeError(err)
	}
	in, err := s.bindQRCode(c)
	if err != nil {
		return err
	}
	q, err := s.store.UpdateQRCode(ctx, ws, id, in)
	if err != nil {
		return qrCodeError(err)
	}
	return c.JSON(http.StatusOK, s.qrCodeJSON(q))
}

// deleteQRCode deletes a QR code no live workflow's trigger names: one that the active
// version of an active or paused workflow starts on is a 409 naming the workflow.
func (s *server) deleteQRCode(c echo.Context) error {
	ctx, ws, id := c.Request().Context(), workspaceID(c), c.Param("id")
	if _, err := s.store.GetQRCode(ctx, ws, id); err != nil {
		return qrCodeError(err)
	}
	users, err := s.liveWorkflowsUsing(ctx, ws, []string{id}, func(d *definition.Definition) bool {
		return referencesObject(d, definition.RefQRCode, id)
	})
	if err != nil {
		return err
	}
	if len(users) > 0 {
		return inUseConflict("the QR code", users)
	}
	if err := s.store.DeleteQRCode(ctx, ws, id); err != nil {
		return qrCodeError(err)
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *server) qrCodeImage(c echo.Context) error {
	return s.qrImage(c, c.Param("id"))
}

// qrImage answers a PNG of the code's scan URL, ?size= pixels square.
func (s *server) qrImage(c echo.Context, id string) error {
	size := defaultQRImageSize
	if raw := c.QueryParam("size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < minQRImageSize || n > maxQRImageSize {
			return validationFailed(map[string]string{"size": "must be a whole number of pixels from 128 to 1024"})
		}
		size = n
	}
	q, err := s.store.GetQRCode(c.Request().Context(), workspaceID(c), id)
	if err != nil {
		return qrCodeError(err)
	}
	img, err := qrPNG(s.scanURL(q.ID), size)
	if err != nil {
		return err
	}
	// The image changes only with LUMO_PUBLIC_URL.
	c.Response().Header().Set("Cache-Control", "private, max-age=3600")
	return c.Blob(http.StatusOK, "image/png", img)
}

// qrPNG draws content as a QR code in a size×size PNG: whole pixels a module, so every
// module is the same size, centred in a white margin of at least the standard four
// modules. (go-qrcode's own PNG stretches modules to fill the size, unevenly.) Content
// too long to fit draws one pixel a module, larger than size.
func qrPNG(content string, size int) ([]byte, error) {
	code, err := qrcode.New(content, qrcode.Medium)
	if err != nil {
		return nil, err
	}
	bitmap := code.Bitmap() // with the quiet zone
	modules := len(bitmap)
	scale := max(size/modules, 1)
	size = max(size, modules)
	offset := (size - modules*scale) / 2

	img := image.NewPaletted(image.Rect(0, 0, size, size), color.Palette{color.White, color.Black})
	for y, row := range bitmap {
		for x, dark := range row {
			if !dark {
				continue
			}
			for dy := range scale {
				start := img.PixOffset(offset+x*scale, offset+y*scale+dy)
				for dx := range scale {
					img.Pix[start+dx] = 1
				}
			}
		}
	}
	var out bytes.Buffer
	if err := png.Encode(&out, img); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// scanQRCode is the public link a QR code encodes: it counts the scan and sends the
// person to LINE with the scan's one-time code, for them to send back to the account
// (which credits the scan to them: models.Store.ClaimScanCode). No API key: whoever
// holds the code scans it.
func (s *server) scanQRCode(c echo.Context) error {
	ctx := c.Request().Context()
	scanned, err := s.store.RecordQRScan(ctx, c.Param("id"), clientAddress(c.Request(), s.cfg.TrustedProxies), time.Now())
	if errors.Is(err, models.ErrNotFound) {
		return c.String(http.StatusNotFound, "QR code not found\n")
	}
	if err != nil {
		return err
	}
	target := lineHomeURL
	if scanned.BasicID != nil {
		target = oaMessageURL(*scanned.BasicID, models.ScanMessage(scanned.ScanCode))
	} else {
		s.log.WarnContext(ctx, "QR code scanned, but its LINE account has no basicId: sent to LINE's home page; set basicId on the account",
			"qr_code_id", scanned.QRCode.ID, "line_account_id", scanned.QRCode.LineAccountID, "workspace_id", scanned.QRCode.WorkspaceID)
	}
	// Every scan must reach the server to be counted, and get a code of its own.
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, target)
}

// qrCodeError names the object in a 404.
func qrCodeError(err error) error {
	if errors.Is(err, models.ErrNotFound) {
		return notFound("QR code not found")
	}
	return err
}
