package handlers

import (
	"context"
	"net/http"
	"testing"
	"time"

	"majlis/i18n"
	"majlis/storage"
)

// TestMessagesInArabic checks that messages built in handlers follow the
// request's language, plural forms and digits included.
func TestMessagesInArabic(t *testing.T) {
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	en := i18n.WithLang(context.Background(), i18n.English)
	for _, tt := range []struct {
		name, got, want string
	}{
		{"draft en", second(draftCtx(en, "abcdef", 5)), "This post is too long: 6 characters, the limit is 5."},
		{"draft ar few", second(draftCtx(ar, "abcdef", 5)), "هذا المنشور طويل جدًا: ٦ أحرف، والحد الأقصى ٥."},
		{"draft ar many", second(draftCtx(ar, "abcdefghijkl", 5)), "هذا المنشور طويل جدًا: ١٢ حرفًا، والحد الأقصى ٥."},
		{"draft ar two", second(draftCtx(ar, "ab", 1)), "هذا المنشور طويل جدًا: حرفان، والحد الأقصى ١."},
		{"wait en 1", waitText(en, 30*time.Second), "Try again in a minute."},
		{"wait en 5", waitText(en, 5*time.Minute), "Try again in 5 minutes."},
		{"wait ar 2", waitText(ar, 2*time.Minute), "حاول مرة أخرى بعد دقيقتين."},
		{"status title ar", statusTitle(ar, http.StatusNotFound), "غير موجود"},
		{"size en", sizeText(en, 10<<20), "10 MB"},
		{"size ar", sizeText(ar, 10<<20), "١٠ ميغابايت"},
	} {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
	if code, msg := statusCtx(ar, storage.ErrNotFound); code != http.StatusNotFound || msg != i18n.T(ar, "error.not_found") || msg == i18n.T(en, "error.not_found") {
		t.Errorf("statusCtx(ar, ErrNotFound) = %d, %q", code, msg)
	}
}

func second(_, s string) string { return s }
