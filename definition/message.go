package definition

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Message types a send_message or question step can send. They follow the LINE
// Messaging API's message objects (same field names, camelCase), except "product", a
// product card of Lumo's own that the engine renders as a flex bubble.
const (
	MessageText     = "text"
	MessageImage    = "image"
	MessageTemplate = "template"
	MessageFlex     = "flex"
	MessageProduct  = "product"
)

// LINE's documented limits that depend on more than one field, checked by hand; the
// others are in the validate tags (Messaging API reference, "Message objects" and
// "Action objects"). Lengths count characters (runes) of the text as written, before
// {{…}} placeholders are filled in.
const (
	maxButtonsActions     = 4   // buttons template
	maxButtonsText        = 160 // buttons template text without image or title
	maxButtonsTextCompact = 60  // ... with an image or a title
	maxConfirmText        = 240 // confirm template: exactly 2 actions
	maxCarouselColumns    = 10  // carousel template
	maxColumnActions      = 3   // per carousel column; the same count in every column
	maxColumnText         = 120 // carousel column text without image or title
	maxColumnTextCompact  = 60  // ... with an image or a title
	maxFlexCarouselItems  = 12  // bubbles in a flex carousel
)

// Message is one LINE message. Type decides which other fields it takes:
//
//	text      text (up to 5000 characters, with {{…}} placeholders)
//	image     originalContentUrl, previewImageUrl (https, up to 2000 characters)
//	template  altText (up to 400), template (buttons, confirm or carousel)
//	flex      altText (up to 400), contents (a flex bubble or carousel, kept as JSON)
//	product   title, price, imageUrl (https), url (http or https), description (optional)
//
// Any type may carry a quickReply. A field another type takes is an unknown field.
type Message struct {
	Type string `json:"type" validate:"required,oneof=text image template flex product"`

	Text string `json:"text,omitempty" validate:"max=5000,tmpl"`

	OriginalContentURL string `json:"originalContentUrl,omitempty" validate:"max=2000,httpsurl=tmpl,tmpl"`
	PreviewImageURL    string `json:"previewImageUrl,omitempty" validate:"max=2000,httpsurl=tmpl,tmpl"`

	AltText  string           `json:"altText,omitempty" validate:"max=400,tmpl"`
	Template *TemplateContent `json:"template,omitempty"`
	// Contents is the flex container as LINE takes it; strings in it may hold {{…}}.
	Contents json.RawMessage `json:"contents,omitempty"`

	// A product card; the limits are Lumo's, sized to fit a flex bubble.
	Title       string `json:"title,omitempty" validate:"max=100,tmpl"`
	Price       string `json:"price,omitempty" validate:"max=40,tmpl"`
	ImageURL    string `json:"imageUrl,omitempty" validate:"max=2000,httpsurl=tmpl,tmpl"`
	URL         string `json:"url,omitempty" validate:"max=1000,httpurl=tmpl,tmpl"`
	Description string `json:"description,omitempty" validate:"max=500,tmpl"`

	QuickReply *QuickReply `json:"quickReply,omitempty"`
}

var messageFields = map[string][]string{
	MessageText:     {"text"},
	MessageImage:    {"originalContentUrl", "previewImageUrl"},
	MessageTemplate: {"altText", "template"},
	MessageFlex:     {"altText", "contents"},
	MessageProduct:  {"title", "price", "imageUrl", "url", "description"},
}

func (m *Message) variantFields() ([]string, string, bool) {
	fields, ok := messageFields[m.Type]
	return append(slices.Clone(fields), "quickReply"), article(m.Type) + " message", ok
}

func (m *Message) check(c *checker, path string) {
	switch m.Type {
	case MessageText:
		c.require(path+".text", m.Text)
	case MessageImage:
		c.require(path+".originalContentUrl", m.OriginalContentURL)
		c.require(path+".previewImageUrl", m.PreviewImageURL)
	case MessageTemplate:
		c.require(path+".altText", m.AltText)
		if m.Template == nil {
			c.add(path+".template", "required")
		} else {
			m.Template.check(c, path+".template")
		}
	case MessageFlex:
		c.require(path+".altText", m.AltText)
		checkFlexContents(c, path+".contents", m.Contents)
	case MessageProduct:
		c.require(path+".title", m.Title)
		c.require(path+".price", m.Price)
		c.require(path+".imageUrl", m.ImageURL)
		c.require(path+".url", m.URL)
	}
	if m.QuickReply != nil {
		for i, item := range m.QuickReply.Items {
			itemPath := fmt.Sprintf("%s.quickReply.items[%d].action", path, i)
			item.Action.check(c, itemPath, true)
			// LINE requires displayText on a postback button in a quick reply: the
			// friend's tap would otherwise leave nothing in the chat.
			if item.Action.Type == ActionPostback {
				c.require(itemPath+".displayText", item.Action.DisplayText)
			}
		}
	}
}

// checkFlexContents checks the shape LINE needs at the top of a flex message and the
// placeholders in its strings; the rest of the container is LINE's to judge.
func checkFlexContents(c *checker, path string, raw json.RawMessage) {
	if isNull(raw) {
		c.add(path, "required")
		return
	}
	var contents map[string]any
	if err := json.Unmarshal(raw, &contents); err != nil {
		c.add(path, "must be a flex container object (bubble or carousel)")
		return
	}
	switch contents["type"] {
	case "bubble":
	case "carousel":
		bubbles, ok := contents["contents"].([]any)
		if !ok || len(bubbles) == 0 {
			c.add(path+".contents", "a flex carousel needs a contents array of bubbles")
			break
		}
		if len(bubbles) > maxFlexCarouselItems {
			c.add(path+".contents", countLimit(len(bubbles), maxFlexCarouselItems, "bubbles"))
		}
		for i, b := range bubbles {
			if bubble, _ := b.(map[string]any); bubble == nil || bubble["type"] != "bubble" {
				c.add(fmt.Sprintf("%s.contents[%d].type", path, i), `must be "bubble"`)
			}
		}
	default:
		c.add(path+".type", `must be "bubble" or "carousel"`)
	}
	walkStrings(contents, path, func(p, s string) { c.template(p, s, false) })
}

// walkStrings calls fn with the path of every string in a decoded JSON value.
func walkStrings(v any, path string, fn func(path, s string)) {
	switch v := v.(type) {
	case string:
		fn(path, v)
	case []any:
		for i, item := range v {
			walkStrings(item, fmt.Sprintf("%s[%d]", path, i), fn)
		}
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			walkStrings(v[k], path+"."+k, fn)
		}
	}
}

// Template layouts.
const (
	TemplateButtons  = "buttons"
	TemplateConfirm  = "confirm"
	TemplateCarousel = "carousel"
)

// TemplateContent is the "template" of a template message. Type decides its fields:
//
//	buttons   text (up to 160, or 60 with an image or title), title (up to 40),
//	          thumbnailImageUrl, imageAspectRatio, imageSize, imageBackgroundColor,
//	          defaultAction, actions (1 to 4)
//	confirm   text (up to 240), actions (exactly 2)
//	carousel  columns (1 to 10), imageAspectRatio, imageSize
type TemplateContent struct {
	Type string `json:"type" validate:"required,oneof=buttons confirm carousel"`

	ThumbnailImageURL    string           `json:"thumbnailImageUrl,omitempty" validate:"max=2000,httpsurl=tmpl,tmpl"`
	ImageAspectRatio     string           `json:"imageAspectRatio,omitempty" validate:"omitempty,oneof=rectangle square"`
	ImageSize            string           `json:"imageSize,omitempty" validate:"omitempty,oneof=cover contain"`
	ImageBackgroundColor string           `json:"imageBackgroundColor,omitempty" validate:"rgbcolor"`
	Title                string           `json:"title,omitempty" validate:"max=40,tmpl"`
	Text                 string           `json:"text,omitempty" validate:"tmpl"`
	DefaultAction        *Action          `json:"defaultAction,omitempty"`
	Actions              []Action         `json:"actions,omitempty" validate:"dive"`
	Columns              []CarouselColumn `json:"columns,omitempty" validate:"dive"`
}

var templateFields = map[string][]string{
	TemplateButtons:  {"thumbnailImageUrl", "imageAspectRatio", "imageSize", "imageBackgroundColor", "title", "text", "defaultAction", "actions"},
	TemplateConfirm:  {"text", "actions"},
	TemplateCarousel: {"columns", "imageAspectRatio", "imageSize"},
}

func (t *TemplateContent) variantFields() ([]string, string, bool) {
	fields, ok := templateFields[t.Type]
	return fields, article(t.Type) + " template", ok
}

func (t *TemplateContent) check(c *checker, path string) {
	switch t.Type {
	case TemplateButtons:
		limit := maxButtonsText
		if t.ThumbnailImageURL != "" || t.Title != "" {
			limit = maxButtonsTextCompact
		}
		c.require(path+".text", t.Text)
		c.maxLength(path+".text", t.Text, limit)
		c.actions(path+".actions", t.Actions, 1, maxButtonsActions)
		if t.DefaultAction != nil {
			t.DefaultAction.check(c, path+".defaultAction", false)
		}
	case TemplateConfirm:
		c.require(path+".text", t.Text)
		c.maxLength(path+".text", t.Text, maxConfirmText)
		c.actions(path+".actions", t.Actions, 2, 2)
	case TemplateCarousel:
		t.checkCarousel(c, path)
	}
}

// checkCarousel applies LINE's carousel rules: every column has the same number of
// actions, and images and titles are on every column or on none.
func (t *TemplateContent) checkCarousel(c *checker, path string) {
	switch {
	case len(t.Columns) == 0:
		c.add(path+".columns", "needs at least 1 column")
		return
	case len(t.Columns) > maxCarouselColumns:
		c.add(path+".columns", countLimit(len(t.Columns), maxCarouselColumns, "columns"))
	}
	first := t.Columns[0]
	for i, col := range t.Columns {
		colPath := fmt.Sprintf("%s.columns[%d]", path, i)
		limit := maxColumnText
		if col.ThumbnailImageURL != "" || col.Title != "" {
			limit = maxColumnTextCompact
		}
		c.require(colPath+".text", col.Text)
		c.maxLength(colPath+".text", col.Text, limit)
		c.actions(colPath+".actions", col.Actions, 1, maxColumnActions)
		if col.DefaultAction != nil {
			col.DefaultAction.check(c, colPath+".defaultAction", false)
		}
		if i == 0 {
			continue
		}
		if len(col.Actions) != len(first.Actions) {
			c.add(colPath+".actions", fmt.Sprintf("LINE needs the same number of actions in every column; columns[0] has %d", len(first.Actions)))
		}
		if (col.ThumbnailImageURL == "") != (first.ThumbnailImageURL == "") {
			c.add(colPath+".thumbnailImageUrl", "LINE needs an image on every column or on none")
		}
		if (col.Title == "") != (first.Title == "") {
			c.add(colPath+".title", "LINE needs a title on every column or on none")
		}
	}
}

// CarouselColumn is one card of a carousel template.
type CarouselColumn struct {
	ThumbnailImageURL    string   `json:"thumbnailImageUrl,omitempty" validate:"max=2000,httpsurl=tmpl,tmpl"`
	ImageBackgroundColor string   `json:"imageBackgroundColor,omitempty" validate:"rgbcolor"`
	Title                string   `json:"title,omitempty" validate:"max=40,tmpl"`
	Text                 string   `json:"text" validate:"tmpl"`
	DefaultAction        *Action  `json:"defaultAction,omitempty"`
	Actions              []Action `json:"actions" validate:"dive"`
}

// Action types a button, a carousel column or a quick reply item can have.
const (
	ActionMessage  = "message"
	ActionPostback = "postback"
	ActionURI      = "uri"
)

// Action is what happens when a friend taps a button. Type decides its fields:
//
//	message   label, text (up to 300): the friend sends text
//	postback  label, data (up to 300), displayText (up to 300): a postback event
//	uri       label, uri (http, https, line or tel; up to 1000): opens the link
//
// Labels are up to 20 characters and required except on a defaultAction.
type Action struct {
	Type        string `json:"type" validate:"required,oneof=message postback uri"`
	Label       string `json:"label,omitempty" validate:"max=20,tmpl"`
	Text        string `json:"text,omitempty" validate:"max=300,tmpl"`
	Data        string `json:"data,omitempty" validate:"max=300,tmpl"`
	DisplayText string `json:"displayText,omitempty" validate:"max=300,tmpl"`
	URI         string `json:"uri,omitempty" validate:"max=1000,actionuri=tmpl,tmpl"`
}

var actionFields = map[string][]string{
	ActionMessage:  {"label", "text"},
	ActionPostback: {"label", "data", "displayText"},
	ActionURI:      {"label", "uri"},
}

func (a *Action) variantFields() ([]string, string, bool) {
	fields, ok := actionFields[a.Type]
	return fields, article(a.Type) + " action", ok
}

func (a *Action) check(c *checker, path string, needsLabel bool) {
	if needsLabel {
		c.require(path+".label", a.Label)
	}
	switch a.Type {
	case ActionMessage:
		c.require(path+".text", a.Text)
	case ActionPostback:
		c.require(path+".data", a.Data)
	case ActionURI:
		c.require(path+".uri", a.URI)
	}
}

// QuickReply is the row of buttons LINE shows above the keyboard with a message.
type QuickReply struct {
	Items []QuickReplyItem `json:"items,omitempty" validate:"required,min=1,max=13,dive"`
}

// QuickReplyItem is one quick reply button; Type is always "action".
type QuickReplyItem struct {
	Type     string `json:"type" validate:"required,eq=action"`
	ImageURL string `json:"imageUrl,omitempty" validate:"max=2000,httpsurl"`
	Action   Action `json:"action" validate:"required"`
}

// article puts "a" or "an" before a type name for messages ("an image message").
func article(word string) string {
	if word == "" {
		return "an untyped"
	}
	switch word[0] { // "u" as in "uri" sounds like "you": "a uri action"
	case 'a', 'e', 'i', 'o':
		return "an " + word
	}
	return "a " + word
}
