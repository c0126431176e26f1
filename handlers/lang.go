package handlers

import (
	"net/http"
	"strings"

	"majlis/i18n"
)

// withLang chooses the interface language of the request, for views and
// messages (i18n.T): the member's setting, else the browser's
// Accept-Language, else the instance's default. It runs after withViewer.
func (h *Handler) withLang(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/static/") {
			next.ServeHTTP(w, r)
			return
		}
		var member string
		if v := viewer(r); v != nil {
			member = v.user.Language
		}
		l := i18n.Negotiate(member, r.Header.Get("Accept-Language"), h.instance().Language)
		w.Header().Add("Vary", "Accept-Language")
		next.ServeHTTP(w, r.WithContext(i18n.WithLang(r.Context(), l)))
	})
}
