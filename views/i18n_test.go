package views

import (
	"context"
	"strings"
	"testing"
	"time"

	"majlis/i18n"
)

func TestTimeLabels(t *testing.T) {
	en := i18n.WithLang(context.Background(), i18n.English)
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	now := time.Date(2026, time.November, 28, 15, 4, 0, 0, time.UTC)
	tests := []struct {
		at     time.Time
		en, ar string
	}{
		{now.Add(-30 * time.Second), "now", "الآن"},
		{now.Add(-5 * time.Minute), "5m", "٥ د"},
		{now.Add(-2 * time.Hour), "2h", "٢ س"},
		{now.Add(-3 * 24 * time.Hour), "3d", "٣ ي"},
		{time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC), "Mar 3", "٣ مارس"},
		{time.Date(2024, time.December, 25, 9, 0, 0, 0, time.UTC), "Dec 25, 2024", "٢٥ ديسمبر ٢٠٢٤"},
	}
	for _, tt := range tests {
		tm := Time{At: tt.at, Now: now}
		if got := timeLabel(en, tm); got != tt.en {
			t.Errorf("timeLabel(en, %v) = %q, want %q", tt.at, got, tt.en)
		}
		if got := timeLabel(ar, tm); got != tt.ar {
			t.Errorf("timeLabel(ar, %v) = %q, want %q", tt.at, got, tt.ar)
		}
	}
	if got, want := timeTitle(en, Time{At: now}), "28 November 2026, 15:04 UTC"; got != want {
		t.Errorf("timeTitle(en) = %q, want %q", got, want)
	}
	if got, want := timeTitle(ar, Time{At: now}), "٢٨ نوفمبر ٢٠٢٦، الساعة ١٥:٠٤ (UTC)"; got != want {
		t.Errorf("timeTitle(ar) = %q, want %q", got, want)
	}
	// Titles are kept by language and minute: asked again, and for the
	// next minute or in another zone, each is still its own.
	for _, tt := range []struct {
		ctx  context.Context
		at   time.Time
		want string
	}{
		{en, now, "28 November 2026, 15:04 UTC"},
		{ar, now, "٢٨ نوفمبر ٢٠٢٦، الساعة ١٥:٠٤ (UTC)"},
		{en, now.Add(59*time.Second - time.Duration(now.Second())*time.Second), "28 November 2026, 15:04 UTC"},
		{en, now.Add(time.Minute - time.Duration(now.Second())*time.Second), "28 November 2026, 15:05 UTC"},
		{en, now.In(time.FixedZone("UTC+3", 3*3600)), "28 November 2026, 15:04 UTC"},
		{en, now.AddDate(-1, 0, 0), "28 November 2025, 15:04 UTC"},
	} {
		for range 2 {
			if got := timeTitle(tt.ctx, Time{At: tt.at}); got != tt.want {
				t.Errorf("timeTitle(%v) = %q, want %q", tt.at, got, tt.want)
			}
		}
	}
	// A Time without its moment has no labels.
	if got := timeLabel(ar, Time{ISO: "x"}) + timeTitle(ar, Time{ISO: "x"}); got != "" {
		t.Errorf("labels without a moment = %q, want none", got)
	}
	// Every month has its names (the keys are built, so the source scan
	// in package i18n cannot see them).
	for _, ctx := range []context.Context{en, ar} {
		for m := time.January; m <= time.December; m++ {
			for _, name := range []string{monthShort(ctx, m), monthLong(ctx, m)} {
				if strings.HasPrefix(name, "month.") {
					t.Errorf("%s: month %d has no name (%q)", i18n.FromContext(ctx), m, name)
				}
			}
		}
	}
}

func TestArabicLayout(t *testing.T) {
	ar := i18n.WithLang(context.Background(), i18n.Arabic)
	var sb strings.Builder
	p := Page{Title: "t", Site: "majlis", Viewer: &Viewer{Username: "amal", Unread: 3}}
	if err := HomePage(p, Compose{}, Timeline{}).Render(ar, &sb); err != nil {
		t.Fatal(err)
	}
	out := sb.String()
	for _, want := range []string{`<html lang="ar" dir="rtl">`, "الرئيسية", "الإشعارات", "٣ إشعارات غير مقروءة", "انشر"} {
		if !strings.Contains(out, want) {
			t.Errorf("the Arabic home page lacks %q", want)
		}
	}
	if got := backArrow(ar); got != "→" {
		t.Errorf("backArrow(ar) = %q, want →", got)
	}
}
