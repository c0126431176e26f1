package views

// View models of images: attachments on post cards, the images part of
// the compose box, avatars and profile headers.

// Image is an attachment as a post card shows it: its thumbnail, which
// links to the display version.
type Image struct {
	// N is its place in the post, from 1.
	N int
	// URL is the display version, ThumbURL the thumbnail.
	URL                     string
	ThumbURL                string
	ThumbWidth, ThumbHeight int
	// Alt is the author's description; empty when they gave none.
	Alt string
	// Animated marks an animated GIF (the thumbnail is its first frame).
	Animated bool
}

// ComposeImages is the images part of the compose box: the images
// uploaded already (previews) and the file input for more.
type ComposeImages struct {
	// FormID is the compose form's element id; the part's element ids
	// start with it.
	FormID   string
	Previews []ImagePreview
	// Alts are the descriptions typed for images not chosen yet, one per
	// free place: they go to the next images chosen, in order.
	Alts []string
	// Max is how many images a post may carry, MaxAlt the longest
	// description and MaxSize the largest file, for people ("10 MB").
	Max     int
	MaxAlt  int
	MaxSize string
	// Error is a problem with the images (a file refused, an upload that
	// expired).
	Error string
}

// ID is the element id of the images part, which an upload replaces.
func (c ComposeImages) ID() string { return composeID(Compose{FormID: c.FormID}) + "-images" }

// PublishID is the element id of the form's submit button, disabled
// while an upload runs.
func (c ComposeImages) PublishID() string { return composeID(Compose{FormID: c.FormID}) + "-publish" }

// Free is how many more images may be added.
func (c ComposeImages) Free() int { return max(c.Max-len(c.Previews), 0) }

// Hint says how many images fit and which files: "up to 4 per post:
// JPEG, PNG, GIF or WebP, at most 10 MB each".
func (c ComposeImages) Hint() string {
	n := "up to " + itoa(c.Free()) + " more"
	if c.Free() == c.Max {
		n = "up to " + itoa(c.Max) + " per post"
	}
	return n + ": JPEG, PNG, GIF or WebP, at most " + c.MaxSize + " each"
}

// First is the number of the first image still to choose.
func (c ComposeImages) First() int { return len(c.Previews) + 1 }

// ImagePreview is an uploaded image waiting in the compose box.
type ImagePreview struct {
	// N is its place, from 1.
	N int
	// Hash names the upload; the form sends it back.
	Hash                    string
	ThumbURL                string
	ThumbWidth, ThumbHeight int
	Alt                     string
}

// Banner is a profile's header picture: the display version and its
// smaller one, for narrow screens.
type Banner struct {
	URL, ThumbURL           string
	Width, Height           int
	ThumbWidth, ThumbHeight int
}

// ProfilePictures is the avatar and header form of the profile settings.
type ProfilePictures struct {
	// Avatar is the current avatar (uploaded or generated); HasAvatar
	// tells which.
	Avatar    Avatar
	HasAvatar bool
	// Header is the current header picture, nil when none.
	Header *Banner
	// MaxSize is the largest file, for people ("10 MB").
	MaxSize string
	// Error is why the last upload was refused.
	Error string
}
