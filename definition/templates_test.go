package definition

import (
	"slices"
	"testing"
)

func TestTemplates_AreValidDefinitionsWithoutWorkspaceReferences(t *testing.T) {
	templates := Templates()
	var ids []string
	for _, tpl := range templates {
		ids = append(ids, tpl.ID)
		t.Run(tpl.ID, func(t *testing.T) {
			d := mustParse(t, tpl.Definition)
			if tpl.Name == "" || tpl.Description == "" || tpl.Name != d.Name || tpl.Description != d.Description {
				t.Errorf("name %q and description %q should be the definition's", tpl.Name, tpl.Description)
			}
			for _, ref := range d.References() {
				// Tags are the one thing a survey cannot do without.
				if ref.Kind != RefTag {
					t.Errorf("template refers to %s %q at %s", ref.Kind, ref.ID, ref.Path)
				}
			}
			assertStable(t, tpl.Definition)
		})
	}
	for _, want := range []string{"welcome-message", "keyword-auto-reply", "survey-tag-by-answer", "qr-lead-capture", "abandoned-cart-follow-up"} {
		if !slices.Contains(ids, want) {
			t.Errorf("no template %q among %v", want, ids)
		}
	}
}

func TestLookupTemplate(t *testing.T) {
	tpl, ok := LookupTemplate("qr-lead-capture")
	if !ok || tpl.Name != "QR lead capture" {
		t.Errorf("LookupTemplate = %+v, %v", tpl, ok)
	}
	if _, ok := LookupTemplate("nope"); ok {
		t.Error("found a template that does not exist")
	}
}
