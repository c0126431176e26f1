//go:build !linux

package hostile

import "testing"

func TestMemory(t *testing.T) {
	t.Skip("the memory test reads /proc and makes memory cgroups: Linux only")
}
