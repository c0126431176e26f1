package storage

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// fileLockTimeout is how long the file-level operations (BackupFile,
// Verify, Restore) wait for a lock another process holds.
const fileLockTimeout = time.Second

// Backup writes a consistent copy of the whole database to w and returns
// the number of bytes written. The copy is one read transaction: the server
// keeps serving while it runs, and writes committed after it began are not
// in it. (A write that must grow the file waits for the copy to end.)
func (db *DB) Backup(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// BackupFile writes a consistent copy of the database file at path to w,
// for when no server has it open. It opens the file read-only (no
// migration runs, nothing is written) and fails with ErrLocked when a
// server holds it: then ask the server for the copy instead.
func BackupFile(path string, w io.Writer) (int64, error) {
	var n int64
	err := viewFile(path, func(tx *bolt.Tx) (err error) {
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup: %w", err)
	}
	return n, nil
}

// FileInfo describes a database file that Verify accepted.
type FileInfo struct {
	Path          string
	Size          int64
	SchemaVersion uint64
	Users         int
	Posts         int
}

// Verify checks that the file at path is a majlis database this program
// can run: a bbolt file with the meta bucket, a schema version no newer
// than SchemaVersion() (ErrNewerSchema otherwise) and no problem found by
// the consistency check (ErrInvalid). It opens the file read-only.
func Verify(path string) (FileInfo, error) {
	var info FileInfo
	err := viewFile(path, func(tx *bolt.Tx) (err error) {
		info, err = verifyTx(path, tx)
		return err
	})
	return info, err
}

// verifyTx is Verify inside a read transaction on the file.
func verifyTx(path string, tx *bolt.Tx) (FileInfo, error) {
	info := FileInfo{Path: path, Size: tx.Size()}
	m := tx.Bucket(bucketMeta)
	if m == nil {
		return info, fmt.Errorf("%s is not a majlis database (no meta bucket): %w", path, ErrInvalid)
	}
	v := m.Get(keySchemaVersion)
	if len(v) != 8 || binary.BigEndian.Uint64(v) == 0 {
		return info, fmt.Errorf("%s is not a majlis database (no schema version): %w", path, ErrInvalid)
	}
	info.SchemaVersion = binary.BigEndian.Uint64(v)
	if want := SchemaVersion(); info.SchemaVersion > want {
		return info, fmt.Errorf("%s: file has schema version %d, this majlis knows up to %d; run a newer majlis: %w", path, info.SchemaVersion, want, ErrNewerSchema)
	}
	var problems []error
	for err := range tx.Check() {
		problems = append(problems, err)
	}
	if len(problems) > 0 {
		return info, fmt.Errorf("%s: consistency check found %d problems (%w): %w", path, len(problems), ErrInvalid, errors.Join(problems...))
	}
	if tx.Bucket(bucketUsers) != nil {
		info.Users = countLocalUsers(tx, 0)
	}
	if b := tx.Bucket(bucketPosts); b != nil {
		info.Posts = b.Stats().KeyN
	}
	return info, nil
}

// viewFile opens the bbolt file at path read-only and runs fn in a read
// transaction.
func viewFile(path string, fn func(tx *bolt.Tx) error) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: fileLockTimeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return fmt.Errorf("%s: another majlis process holds this file: %w", path, ErrLocked)
	}
	if err != nil {
		return fmt.Errorf("%s is not a majlis database: %w: %w", path, err, ErrInvalid)
	}
	defer b.Close()
	return b.View(fn)
}

// Restore replaces the database file at dbPath with the database in src.
// It first verifies src (see Verify), and refuses with ErrLocked while a
// process has dbPath open; the server must be stopped. The file it
// replaces is kept beside it as dbPath.before-restore-TIMESTAMP (UTC), and
// that name is returned ("" when there was no file). A src with an older
// schema is upgraded when majlis next opens it.
func Restore(dbPath, src string, now time.Time) (info FileInfo, kept string, err error) {
	if same, _ := sameFile(dbPath, src); same {
		return info, "", fmt.Errorf("restore: %s is the database file itself: %w", src, ErrInvalid)
	}
	dir := filepath.Dir(dbPath)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return info, "", fmt.Errorf("restore: %w", err)
	}
	// Hold a lock on the current file while swapping, so that a server
	// starting meanwhile waits (then fails) instead of opening it.
	if _, err := os.Stat(dbPath); err == nil {
		cur, err := bolt.Open(dbPath, 0o600, &bolt.Options{ReadOnly: true, Timeout: fileLockTimeout})
		switch {
		case errors.Is(err, bolterrors.ErrTimeout):
			return info, "", fmt.Errorf("restore: %s is in use by another majlis process; stop the server first: %w", dbPath, ErrLocked)
		case err == nil:
			defer cur.Close()
		}
		// Any other error: the current file is damaged, which is a reason
		// to restore; it is kept all the same.
	}

	tmp := dbPath + ".restore-tmp"
	err = viewFile(src, func(tx *bolt.Tx) error {
		var err error
		if info, err = verifyTx(src, tx); err != nil {
			return err
		}
		return writeFileSync(tmp, tx.WriteTo)
	})
	if err != nil {
		os.Remove(tmp)
		return info, "", fmt.Errorf("restore: %w", err)
	}

	if _, err := os.Stat(dbPath); err == nil {
		kept, err = keepAside(dbPath, now)
		if err != nil {
			os.Remove(tmp)
			return info, "", fmt.Errorf("restore: %w", err)
		}
	}
	if err := os.Rename(tmp, dbPath); err != nil {
		os.Remove(tmp)
		return info, kept, fmt.Errorf("restore: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return info, kept, fmt.Errorf("restore: %w", err)
	}
	return info, kept, nil
}

// keepAside gives the file at path a second name,
// path.before-restore-TIMESTAMP, and returns it. A hard link keeps path in
// place until the new file is renamed over it; where links do not work the
// file is renamed.
func keepAside(path string, now time.Time) (string, error) {
	base := path + ".before-restore-" + now.UTC().Format("20060102T150405Z")
	for i := 0; ; i++ {
		kept := base
		if i > 0 {
			kept = fmt.Sprintf("%s.%d", base, i)
		}
		if _, err := os.Lstat(kept); err == nil {
			continue
		}
		if err := os.Link(path, kept); err == nil {
			return kept, nil
		}
		if err := os.Rename(path, kept); err != nil {
			return "", err
		}
		return kept, nil
	}
}

// WriteFileAtomic writes a new file at path through write: it writes
// path.tmp (mode 0600), syncs it to disk, renames it to path and syncs the
// folder, so path is either the old file or the whole new one. check, if
// not nil, runs on the finished temporary file before the rename.
func WriteFileAtomic(path string, write func(io.Writer) (int64, error), check func(tmp string) error) (int64, error) {
	tmp := path + ".tmp"
	var n int64
	err := writeFileSync(tmp, func(w io.Writer) (int64, error) {
		var err error
		n, err = write(w)
		return n, err
	})
	if err == nil && check != nil {
		err = check(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return n, err
	}
	return n, syncDir(filepath.Dir(path))
}

// writeFileSync creates (or truncates) path with mode 0600, fills it
// through write and syncs it.
func writeFileSync(path string, write func(io.Writer) (int64, error)) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	_, err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// sameFile tells whether a and b name the same file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
