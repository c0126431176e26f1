package e2e

import (
	"strings"
	"testing"
)

// Selectors of polls: the compose box's section and a card's poll.
const (
	selPollToggle  = `[data-testid="compose-poll-toggle"]`
	selPollOption  = `[data-testid="poll-option"]`
	selPollChoice  = `[data-testid="poll-choice"]`
	selPollVote    = `[data-testid="poll-vote"]`
	selPollResult  = `[data-testid="poll-result"]`
	selPollResults = `[data-testid="poll-results"]`
)

// TestPollWithoutJavaScript: a member writes a poll and another votes,
// both with JavaScript turned off (a <details> section, a radio button,
// a plain form); a third votes with htmx, and the poll changes in place.
func TestPollWithoutJavaScript(t *testing.T) {
	h := newHarness(t)
	h.seedUser("bilal", "Bilal")
	h.seedUser("dina", "Dina")

	amal := h.newTab("amal", false)
	amal.register("amal", "Amal")
	amal.open("/")
	amal.click(selPollToggle)
	amal.typeInto(`[data-testid="compose-body"]`, "Tea or coffee?")
	amal.typeInto(selPollOption+`:nth-of-type(1)`, "Tea")
	amal.typeInto(`#poll-option-1`, "Coffee")
	amal.clickAndLoad(`[data-testid="publish"]`)
	if got := amal.text(`[data-testid="flash"]`); !strings.Contains(got, "published") {
		t.Fatalf("after publishing the poll, flash %q", got)
	}
	amal.open("/@amal")
	if n := amal.count(selPollResult); n != 2 {
		t.Fatalf("the author sees %d results, want 2", n)
	}

	bilal := h.newTab("bilal", false)
	bilal.login("bilal")
	bilal.open("/@amal")
	if n := bilal.count(selPollChoice); n != 2 {
		t.Fatalf("bilal sees %d choices, want 2", n)
	}
	if bilal.exists(selPollResults) {
		t.Fatalf("bilal sees the results before voting")
	}
	bilal.click(selPollChoice + `[value="1"]`)
	bilal.clickAndLoad(selPollVote)
	if got := bilal.text(`[data-testid="flash"]`); !strings.Contains(got, "vote was counted") {
		t.Errorf("after voting, flash %q", got)
	}
	bilal.waitVisible(selPollResults)
	if got := bilal.text(`[data-testid="poll-chosen"]`); got != "Your choice" {
		t.Errorf("the chosen answer is marked %q", got)
	}
	if got := bilal.text(selPollResult + `.chosen .poll-percent`); got != "100%" {
		t.Errorf("Coffee shows %q, want 100%%", got)
	}
	bilal.saveScreenshot("poll-voted-without-js")

	dina := h.newTab("dina", true)
	dina.login("dina")
	dina.open("/@amal")
	dina.setMarker()
	dina.click(selPollChoice + `[value="0"]`)
	dina.click(selPollVote)
	dina.waitUntil("the poll shows its results", `!!document.querySelector('[data-testid="poll-results"]')`)
	if !dina.markerKept() {
		t.Errorf("voting with htmx reloaded the page")
	}
	if got := dina.text(`[data-testid="poll-meta"]`); !strings.Contains(got, "2 people voted") {
		t.Errorf("after two votes the poll says %q", got)
	}
}
