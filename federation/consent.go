package federation

import (
	"context"
	"net/http"
	"strings"

	"majlis/i18n"
	"majlis/storage"
)

// Consent is what a member's content carries for machines: whether it may
// train AI models and whether search engines may index it. One decision,
// published three ways: the xRobotsTag and contentUsage properties of the
// actor and of every Note, and the X-Robots-Tag and Content-Usage headers
// of the JSON responses, worded as the web pages word them.
type Consent struct {
	NoAI, NoIndex bool
}

// ConsentOf is the consent of content by these accounts, under an
// instance that allows AI training or not: the strictest of them all (a
// collection that lists several members reserves what any of them
// reserves). A member's AI choice counts only where the instance allows
// training (storage.User.AllowsAITraining); indexing only where the member
// opted in (Indexable). A remote account's own signals count too.
func ConsentOf(instanceAllows bool, users ...storage.User) Consent {
	c := Consent{NoAI: !instanceAllows}
	for _, u := range users {
		if !u.AllowsAITraining(instanceAllows) || strings.Contains(u.ContentUsage, "train-ai=n") || strings.Contains(strings.ToLower(u.XRobotsTag), "noai") {
			c.NoAI = true
		}
		if !u.Indexable || strings.Contains(strings.ToLower(u.XRobotsTag), "noindex") {
			c.NoIndex = true
		}
	}
	return c
}

// And is the strictest of two consents.
func (c Consent) And(o Consent) Consent {
	return Consent{NoAI: c.NoAI || o.NoAI, NoIndex: c.NoIndex || o.NoIndex}
}

// XRobotsTag is the robots directive ("noindex, noai, noimageai" or
// less), "" when there is nothing to reserve. The order is the web
// pages' (views.Consent.Robots), so both doors send the same header.
func (c Consent) XRobotsTag() string {
	var parts []string
	if c.NoIndex {
		parts = append(parts, "noindex")
	}
	if c.NoAI {
		parts = append(parts, "noai", "noimageai")
	}
	return strings.Join(parts, ", ")
}

// ContentUsage is the AI-preferences statement (IETF aipref vocabulary):
// "train-ai=n" or "train-ai=y".
func (c Consent) ContentUsage() string {
	if c.NoAI {
		return "train-ai=n"
	}
	return "train-ai=y"
}

// SetHeaders writes the consent into a response's headers: X-Robots-Tag
// (when it reserves anything), Content-Usage, and TDMRep's
// tdm-reservation when AI training is reserved.
func (c Consent) SetHeaders(h http.Header) {
	if v := c.XRobotsTag(); v != "" {
		h.Set("X-Robots-Tag", v)
	} else {
		h.Del("X-Robots-Tag")
	}
	h.Set("Content-Usage", c.ContentUsage())
	if c.NoAI {
		h.Set("tdm-reservation", "1")
	} else {
		h.Del("tdm-reservation")
	}
}

// AITrainingField is the AI-training decision as a profile field people
// read ("AI training: not permitted"), in the language of ctx: the
// actor's attachment and the client API's account fields word it alike.
func (c Consent) AITrainingField(ctx context.Context) (name, value string) {
	choice := "federation.ai_training.permitted"
	if c.NoAI {
		choice = "federation.ai_training.not_permitted"
	}
	return i18n.T(ctx, "federation.ai_training"), i18n.T(ctx, choice)
}
