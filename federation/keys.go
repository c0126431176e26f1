package federation

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"sync"

	"majlis/storage"
)

// KeyBits is the size of the RSA keys made for accounts: what Mastodon
// makes and every implementation reads.
const KeyBits = 2048

// Keys hands out the signing keys of local accounts and of the instance
// actor, made on first use and kept in the file, parsed once and cached.
type Keys struct {
	db    *storage.DB
	mu    sync.Mutex
	cache map[storage.ID]*rsa.PrivateKey
}

// NewKeys returns the keys kept in db.
func NewKeys(db *storage.DB) *Keys {
	return &Keys{db: db, cache: map[storage.ID]*rsa.PrivateKey{}}
}

// Private returns the private key of a local account, or of the instance
// actor for storage.InstanceActor.
func (k *Keys) Private(id storage.ID) (*rsa.PrivateKey, error) {
	k.mu.Lock()
	key := k.cache[id]
	k.mu.Unlock()
	if key != nil {
		return key, nil
	}
	b, err := k.db.ActorKey(id, newKeyPEM)
	if err != nil {
		return nil, err
	}
	key, err = ParsePrivateKey(b)
	if err != nil {
		return nil, fmt.Errorf("actor key %d: %w", id, err)
	}
	k.mu.Lock()
	if len(k.cache) > 4096 {
		clear(k.cache)
	}
	k.cache[id] = key
	k.mu.Unlock()
	return key, nil
}

// PublicPEM returns the PEM of the public half of an account's key, as an
// actor's publicKey.publicKeyPem carries it.
func (k *Keys) PublicPEM(id storage.ID) (string, error) {
	key, err := k.Private(id)
	if err != nil {
		return "", err
	}
	return PublicKeyPEM(&key.PublicKey)
}

func newKeyPEM() ([]byte, error) {
	key, err := rsa.GenerateKey(rand.Reader, KeyBits)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParsePrivateKey reads a PKCS#8 or PKCS#1 RSA private key in PEM.
func ParsePrivateKey(b []byte) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an RSA key")
	}
	return rk, nil
}

// PublicKeyPEM encodes a public key as "PUBLIC KEY" (SPKI) PEM.
func PublicKeyPEM(pub *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", err
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})), nil
}
