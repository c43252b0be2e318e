package definition

import (
	"embed"
	"encoding/json"
	"fmt"
	"path"
	"strings"
)

//go:embed templates/*.json
var templateFiles embed.FS

// Template is a ready-made workflow to start from. Definition is a complete
// definition file; templates refer to no workspace object (no LINE account, no QR code,
// segment or auto message), so creating a workflow from one makes a draft to finish
// (choose the LINE account, a QR code, ...) before activating it.
type Template struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Definition  json.RawMessage `json:"definition"`
}

// Templates lists the built-in templates, by ID (the file name in templates/).
func Templates() []Template {
	entries, err := templateFiles.ReadDir("templates")
	if err != nil {
		panic(fmt.Sprintf("definition: embedded templates: %v", err)) // the embed directive guarantees the directory
	}
	templates := make([]Template, 0, len(entries))
	for _, e := range entries {
		data, err := templateFiles.ReadFile(path.Join("templates", e.Name()))
		if err != nil {
			panic(fmt.Sprintf("definition: embedded template %s: %v", e.Name(), err))
		}
		var head struct {
			Name        string `json:"name"`
			Description string `json:"description"`
		}
		if err := json.Unmarshal(data, &head); err != nil {
			// TestTemplates_AreValidDefinitions keeps this from ever happening.
			panic(fmt.Sprintf("definition: embedded template %s: %v", e.Name(), err))
		}
		templates = append(templates, Template{
			ID:          strings.TrimSuffix(e.Name(), ".json"),
			Name:        head.Name,
			Description: head.Description,
			Definition:  json.RawMessage(data),
		})
	}
	return templates
}

// LookupTemplate returns the built-in template with that ID.
func LookupTemplate(id string) (Template, bool) {
	for _, t := range Templates() {
		if t.ID == id {
			return t, true
		}
	}
	return Template{}, false
}
