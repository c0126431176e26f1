package federation

import "errors"

// ErrGone is what a renderer returns for an activity that no longer
// applies (its post or account is gone, or no longer says what the
// activity would carry): the delivery workers drop it unsent.
var ErrGone = errors.New("activity no longer applies")
