package views

import (
	"context"
	"encoding/json"

	"majlis/i18n"
)

// fieldPlaceholder is the placeholder of a free-text field of the shared
// form components (field, adminInput, adminText), by the field's name; ""
// for a field that is not free text. An empty box with dir="auto" takes
// its direction from its placeholder's being shown (the stylesheet gives
// it the interface's), so a box without one would start left to right in
// an Arabic page.
func fieldPlaceholder(ctx context.Context, name string) string {
	switch name {
	case "display_name":
		return i18n.T(ctx, "placeholder.display_name")
	case "name":
		return i18n.T(ctx, "placeholder.site_name")
	case "tagline":
		return i18n.T(ctx, "placeholder.tagline")
	case "about":
		return i18n.T(ctx, "placeholder.about")
	case "rules":
		return i18n.T(ctx, "placeholder.rules")
	case "contact":
		return i18n.T(ctx, "placeholder.contact")
	case "reason":
		return i18n.T(ctx, "placeholder.admin_reason")
	case "public_comment", "private_comment":
		return i18n.T(ctx, "placeholder.optional")
	}
	return ""
}

// editCounterVals names the edit form's counter for the live count.
func editCounterVals(postID string) string {
	b, _ := json.Marshal(map[string]string{"counter": "edit-counter-" + postID})
	return string(b)
}
