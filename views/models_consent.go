package views

import "strings"

// Consent is what a response says about the use of the content it
// carries: whether it is reserved from AI training (NoAI) and kept out of
// search engines (NoIndex).
type Consent struct {
	NoAI    bool
	NoIndex bool
}

// Robots is the value of the robots meta tag and the X-Robots-Tag header:
// "noindex, noai, noimageai", or less, or "" for nothing to say.
func (c *Consent) Robots() string {
	if c == nil {
		return ""
	}
	var parts []string
	if c.NoIndex {
		parts = append(parts, "noindex")
	}
	if c.NoAI {
		parts = append(parts, "noai", "noimageai")
	}
	return strings.Join(parts, ", ")
}

// TDMReservation tells whether text and data mining rights are reserved
// (TDMRep's tdm-reservation: 1).
func (c *Consent) TDMReservation() bool { return c != nil && c.NoAI }

// AITrainingInstanceOptions are the choices of the instance settings.
var AITrainingInstanceOptions = []Option{
	{"", "Not allowed (default)"},
	{"allowed", "Allowed, for members who do not refuse it"},
}

// AITrainingOptions are the choices of a member's profile settings; the
// instance must allow training for "yes" to be offered.
func AITrainingOptions(instanceAllows bool) []Option {
	opts := []Option{
		{"", "As the instance says (now: " + map[bool]string{true: "allowed", false: "not allowed"}[instanceAllows] + ")"},
		{"no", "Not allowed"},
	}
	if instanceAllows {
		opts = append(opts, Option{"yes", "Allowed"})
	}
	return opts
}

// DataPolicy is the public page /about/data: what the instance keeps and
// publishes, and its AI-training policy.
type DataPolicy struct {
	Name string
	// AITrainingAllowed: the instance lets members allow AI training.
	AITrainingAllowed bool
	RefuseAICrawlers  bool
	// Crawlers are the AI crawlers robots.txt names.
	Crawlers []string
}
