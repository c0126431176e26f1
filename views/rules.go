package views

import (
	"strconv"

	"github.com/a-h/templ"

	"majlis/admin"
)

// Client-side hints for the account fields: the browser checks what the
// server will check anyway (package admin's rules), so a mistake shows as
// it is made instead of after a round trip. The server stays the judge:
// without these attributes, or with a browser that ignores them, it
// refuses the same input with the same rules.

// UsernamePattern is the pattern attribute of username fields: what
// admin.ValidUsername accepts, its length bounded by maxlength.
const UsernamePattern = "[A-Za-z0-9_]+"

// fieldRules are the constraint attributes of the account field name on
// the sign-up form (signup) or another form (login: only required).
func fieldRules(name string, signup bool) templ.Attributes {
	switch name {
	case "username":
		a := templ.Attributes{
			"required": true, "maxlength": strconv.Itoa(admin.MaxUsername),
			"autocapitalize": "none", "spellcheck": "false",
		}
		if signup {
			a["pattern"] = UsernamePattern
		}
		return a
	case "password", "new_password", "confirm_password":
		if !signup {
			return templ.Attributes{"required": true}
		}
		return templ.Attributes{
			"required": true, "minlength": strconv.Itoa(admin.MinPassword),
			"maxlength": strconv.Itoa(admin.MaxPassword),
		}
	case "current_password":
		return templ.Attributes{"required": true}
	case "display_name":
		return templ.Attributes{"maxlength": strconv.Itoa(admin.MaxDisplayName)}
	}
	return nil
}
