package views

// Security is the page of the second factor's settings.
type Security struct {
	// Enabled: the login asks for a code; RecoveryLeft recovery codes
	// are unused.
	Enabled      bool
	RecoveryLeft int
	// Required: the instance requires a second factor of its moderators
	// and admins, and the viewer is one.
	Required bool
	Form     Form
	// Passkeys are the member's passkeys, in the order their delete
	// forms number them.
	Passkeys []PasskeyRow
}

// PasskeyRow is one passkey in the settings.
type PasskeyRow struct {
	Name     string
	Created  Time
	LastUsed *Time
}

// TOTPSetup is the page that shows a new authenticator secret: as a QR
// code (served from /settings/security/totp/qr.png), as the otpauth URI
// and as text to type.
type TOTPSetup struct {
	Secret string
	URI    string
	Form   Form
}

// RecoveryCodes are the one-time codes, shown once.
type RecoveryCodes struct {
	Codes []string
	// JustEnabled: the second factor was just turned on.
	JustEnabled bool
}

// MovedTo is the account a moved one went to, as its profile links it.
type MovedTo struct {
	Handle string
	URL    string
}

// Alias is one of the member's other accounts (alsoKnownAs).
type Alias struct {
	URI    string
	Handle string
}

// MoveSettings is the page of the member's aliases and of moving the
// account.
type MoveSettings struct {
	// Handle is the member's full address, for the other server's form.
	Handle  string
	Aliases []Alias
	// MovedTo is set once the account moved.
	MovedTo *MovedTo
	// Federates: accounts on other servers can be named.
	Federates bool
	Form      Form
}
