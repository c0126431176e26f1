package storage

import (
	"errors"
	"slices"
	"testing"
)

func TestAllowsAITraining(t *testing.T) {
	for _, tc := range []struct {
		instance bool
		choice   string
		want     bool
	}{
		{false, AITrainingInherit, false},
		{false, AITrainingNo, false},
		{false, AITrainingYes, false},
		{true, AITrainingInherit, true},
		{true, AITrainingNo, false},
		{true, AITrainingYes, true},
	} {
		if got := (User{AITraining: tc.choice}).AllowsAITraining(tc.instance); got != tc.want {
			t.Errorf("instance %t, member %q: got %t, want %t", tc.instance, tc.choice, got, tc.want)
		}
	}
}

func TestConsentProfileFields(t *testing.T) {
	db := openTestDB(t)
	u := createUser(t, db, "layla")
	if _, err := db.UpdateProfile(u.ID, ProfileUpdate{AITraining: "maybe"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("AI training \"maybe\": got %v, want ErrInvalid", err)
	}
	got, err := db.UpdateProfile(u.ID, ProfileUpdate{AITraining: AITrainingNo, Indexable: true, Bot: true, HideBots: true, NoBotContact: true})
	must(t, err, "UpdateProfile")
	if got.AITraining != AITrainingNo || !got.Indexable || !got.Bot || !got.HideBots || !got.NoBotContact {
		t.Errorf("got %+v", got)
	}
	createUser(t, db, "omar")
	names, err := db.AITrainingOptOuts()
	must(t, err, "AITrainingOptOuts")
	if !slices.Equal(names, []string{"layla"}) {
		t.Errorf("opt-outs %v, want [layla]", names)
	}
}

func TestInstanceConsentSettings(t *testing.T) {
	db := openTestDB(t)
	admin := createUser(t, db, "root")
	must(t, db.SetRole(admin.ID, RoleAdmin), "SetRole")
	s, _, err := db.InstanceSettings()
	must(t, err, "InstanceSettings")
	if s.AITrainingAllowed || s.RefuseAICrawlers {
		t.Fatalf("defaults %+v, want training not allowed and crawlers not refused", s)
	}
	s.AITrainingAllowed, s.RefuseAICrawlers = true, true
	must(t, db.SaveInstanceSettings(admin.ID, s, "", db.now()), "SaveInstanceSettings")
	got, _, err := db.InstanceSummary()
	must(t, err, "InstanceSummary")
	if !got.AITrainingAllowed || !got.RefuseAICrawlers {
		t.Errorf("got %+v", got)
	}
}

func TestBotContact(t *testing.T) {
	db := openTestDB(t)
	bot, err := db.UpdateProfile(createUser(t, db, "beep").ID, ProfileUpdate{Bot: true})
	must(t, err, "UpdateProfile")
	shy, err := db.UpdateProfile(createUser(t, db, "shy").ID, ProfileUpdate{NoBotContact: true})
	must(t, err, "UpdateProfile")
	human := createUser(t, db, "human")
	shyPost := write(t, db, shy, saying("hello"))

	for _, tc := range []struct {
		name   string
		author User
		opts   []postOpt
		refuse bool
	}{
		{"bot mentions shy", bot, []postOpt{mentioning(shy)}, true},
		{"bot replies to shy", bot, []postOpt{replyingTo(shyPost)}, true},
		{"bot mentions human", bot, []postOpt{mentioning(human)}, false},
		{"human mentions shy", human, []postOpt{mentioning(shy)}, false},
		{"human replies to shy", human, []postOpt{replyingTo(shyPost)}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tryWrite(db, tc.author, tc.opts...)
			var bce *BotContactError
			if got := errors.As(err, &bce); got != tc.refuse {
				t.Fatalf("got %v, want refusal %t", err, tc.refuse)
			}
			if tc.refuse && (!errors.Is(err, ErrForbidden) || bce.Username != "shy") {
				t.Errorf("got %v, want ErrForbidden naming shy", err)
			}
		})
	}
}

func TestHideBots(t *testing.T) {
	db := openTestDB(t)
	bot, err := db.UpdateProfile(createUser(t, db, "beep").ID, ProfileUpdate{Bot: true})
	must(t, err, "UpdateProfile")
	reader := createUser(t, db, "reader")
	human := createUser(t, db, "human")
	_, err = db.Follow(reader.ID, bot.ID)
	must(t, err, "Follow")
	_, err = db.Follow(reader.ID, human.ID)
	must(t, err, "Follow")
	botPost := write(t, db, bot, tagged("news"))
	humanPost := write(t, db, human, tagged("news"))
	own := write(t, db, reader, tagged("news"))
	// A human's repost of the bot's post (in reader's home) is the bot's
	// content too.
	_, err = db.Repost(human.ID, botPost.ID, func(id ID) string { return "http://localhost:8080/r/" + id.String() })
	must(t, err, "Repost")

	has := func(tl Timeline, id ID) bool {
		for _, e := range tl.Entries {
			if e.Post.ID == id {
				return true
			}
		}
		return false
	}
	for _, hide := range []bool{false, true} {
		_, err := db.UpdateProfile(reader.ID, ProfileUpdate{HideBots: hide})
		must(t, err, "UpdateProfile")
		home, err := db.HomeTimeline(reader.ID, Page{})
		must(t, err, "HomeTimeline")
		local, err := db.LocalTimeline(reader.ID, Page{})
		must(t, err, "LocalTimeline")
		tag, err := db.TagTimeline(reader.ID, "news", Page{})
		must(t, err, "TagTimeline")
		author, err := db.AuthorTimeline(reader.ID, bot.ID, false, Page{})
		must(t, err, "AuthorTimeline")
		for name, tl := range map[string]Timeline{"home": home, "local": local, "tag": tag} {
			if got := has(tl, botPost.ID); got == hide {
				t.Errorf("hide %t: %s shows the bot's post %t", hide, name, got)
			}
		}
		if !has(local, humanPost.ID) || !has(tag, humanPost.ID) || !has(home, own.ID) {
			t.Errorf("hide %t: human or own posts missing", hide)
		}
		if !has(author, botPost.ID) {
			t.Errorf("hide %t: the bot's profile hides its post", hide)
		}
		visitor, err := db.LocalTimeline(0, Page{})
		must(t, err, "LocalTimeline")
		if !has(visitor, botPost.ID) {
			t.Errorf("hide %t: a visitor does not see the bot's post", hide)
		}
	}
}
