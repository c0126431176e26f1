package admin

import (
	"errors"
	"testing"

	"majlis/storage"
)

// TestResetTwoFactor: through the socket as in-process, the reset deletes
// the secret and recovery codes; an unknown name is not found.
func TestResetTwoFactor(t *testing.T) {
	ops := newOps(t)
	path, _, _ := serve(t, ops, nil)
	c := dial(t, path)
	amal := mustCreate(t, c, "amal", false)
	tests := []struct {
		name string
		op   Operator
	}{
		{"socket", c},
		{"in process", ops},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ops.DB.UpdateTwoFactor(amal.ID, func(f *storage.TwoFactor) error {
				f.TOTPSecret, f.RecoveryCodes = "JBSWY3DPEHPK3PXP", []string{"x"}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tt.op.ResetTwoFactor("AMAL"); err != nil {
				t.Fatalf("ResetTwoFactor: %v", err)
			}
			if _, err := ops.DB.TwoFactor(amal.ID); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("after the reset: %v, want ErrNotFound", err)
			}
			if _, err := tt.op.ResetTwoFactor("ghost"); !errors.Is(err, storage.ErrNotFound) {
				t.Errorf("unknown account: %v, want ErrNotFound", err)
			}
		})
	}
}
