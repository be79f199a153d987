// kube-testbed runs a real kube-apiserver backed by an in-process etcd, so the
// exporter's tests talk to the same API server code a cluster runs (RBAC,
// admission, watch semantics, resourceVersions) instead of a hand-written fake.
//
// Usage: kube-testbed --data-dir DIR [--port N] [--exit-on-stdin-eof] [--service-accounts] [-- APISERVER-FLAGS...]
//
// --service-accounts keeps the ServiceAccount admission plugin on, as in every real cluster: pods
// get their ServiceAccount's pull secrets and a projected token. It needs a controller manager that
// creates each namespace's "default" ServiceAccount (the test bed's node runs one).
//
// Flags after "--" are passed to kube-apiserver after the test bed's own, so a
// test can change one (e.g. --watch-cache=false, --etcd-compaction-interval=1s).
//
// It writes etcd data, certificates and DIR/admin.kubeconfig, prints
// "READY https://127.0.0.1:PORT DIR/admin.kubeconfig" on stdout once /readyz
// answers 200, and stops (apiserver first, then etcd) on SIGTERM/SIGINT.
// Started again with the same --data-dir and --port it reuses the data and the
// certificates, so a test can restart the API server under a live client.
package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.etcd.io/etcd/server/v3/embed"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

func main() {
	dataDir := flag.String("data-dir", "", "directory for etcd data, certificates and admin.kubeconfig (required)")
	port := flag.Int("port", 0, "apiserver secure port on 127.0.0.1; 0 picks a free one")
	stdinEOF := flag.Bool("exit-on-stdin-eof", false, "shut down when stdin closes (the parent died)")
	serviceAccounts := flag.Bool("service-accounts", false, "keep the ServiceAccount admission plugin on (needs a controller manager)")
	flag.Parse()
	if *dataDir == "" {
		fatal(errors.New("--data-dir is required"))
	}
	if *stdinEOF {
		// A test runner that crashes or is SIGKILLed cannot stop us, but its end
		// of our stdin pipe closes: treat that as SIGTERM so no apiserver leaks.
		go func() {
			io.Copy(io.Discard, os.Stdin)
			syscall.Kill(os.Getpid(), syscall.SIGTERM)
		}()
	}
	if err := run(*dataDir, *port, *serviceAccounts, flag.Args()); err != nil {
		fatal(err)
	}
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "kube-testbed:", err)
	os.Exit(1)
}

func run(dir string, port int, serviceAccounts bool, extraArgs []string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	pki := filepath.Join(dir, "pki")
	if err := ensurePKI(pki); err != nil {
		return fmt.Errorf("certificates: %w", err)
	}
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	server := fmt.Sprintf("https://127.0.0.1:%d", port)
	kubeconfig := filepath.Join(dir, "admin.kubeconfig")
	if err := writeKubeconfig(kubeconfig, server, pki); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}

	// Built before etcd starts: NewAPIServerCommand installs the SIGTERM/SIGINT
	// handler, and its context is what stops the apiserver gracefully.
	cmd := app.NewAPIServerCommand()

	etcd, etcdURL, err := startEtcd(filepath.Join(dir, "etcd"))
	if err != nil {
		return fmt.Errorf("etcd: %w", err)
	}
	// etcd is closed only after the apiserver has returned, so the apiserver's
	// shutdown never sees its storage vanish.
	defer etcd.Close()

	p := func(name string) string { return filepath.Join(pki, name) }
	// Without a controller manager no namespace gets its "default" ServiceAccount, and the
	// ServiceAccount admission plugin would refuse every Pod: tests that create Pods directly
	// run without it.
	admission := "--disable-admission-plugins=ServiceAccount"
	if serviceAccounts {
		admission = "--enable-admission-plugins=ServiceAccount"
	}
	cmd.SetArgs(append([]string{
		"--bind-address=127.0.0.1",
		// Without it the apiserver looks for a default route to guess its
		// advertised IP, and a test machine may have none.
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + p("serving.crt"),
		"--tls-private-key-file=" + p("serving.key"),
		// Keeps the apiserver from writing anything to /var/run/kubernetes.
		"--cert-dir=" + pki,
		"--client-ca-file=" + p("client-ca.crt"),
		"--authorization-mode=Node,RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p("sa.pub"),
		"--service-account-signing-key-file=" + p("sa.key"),
		"--etcd-servers=" + etcdURL,
		// Only a configuration value (the ClusterIP of services); no traffic goes there.
		"--service-cluster-ip-range=10.0.0.0/24",
		// The "kubernetes" Endpoints would list 127.0.0.1, which Endpoints
		// validation rejects; nothing in a test needs them.
		"--endpoint-reconciler-type=none",
		admission,
		"--allow-privileged=true",
		"--profiling=false",
	}, extraArgs...))

	ready := make(chan error, 1)
	go func() { ready <- waitReady(server, pki, cmd.Context().Done()) }()
	go func() {
		if err := <-ready; err == nil {
			// The one line the test harness waits for; everything else goes to stderr.
			fmt.Printf("READY %s %s\n", server, kubeconfig)
		}
	}()
	// Returns after SIGTERM/SIGINT once the apiserver has shut down, or early
	// with the reason it could not start.
	return cmd.Execute()
}

// startEtcd runs etcd in this process: one binary, nothing to install, and the
// etcd version is the one the chosen Kubernetes release is built and tested with.
func startEtcd(dir string) (*embed.Etcd, string, error) {
	clientPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	peerPort, err := freePort()
	if err != nil {
		return nil, "", err
	}
	client := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", clientPort)}
	peer := url.URL{Scheme: "http", Host: fmt.Sprintf("127.0.0.1:%d", peerPort)}

	cfg := embed.NewConfig()
	cfg.Dir = dir
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.LogLevel = "error"
	// Test data is disposable; skipping fsync makes every write much cheaper.
	// A clean stop still leaves the data in the page cache for a restart.
	cfg.UnsafeNoFsync = true

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, "", err
	}
	select {
	case <-e.Server.ReadyNotify():
		return e, client.String(), nil
	case err := <-e.Err():
		e.Close()
		return nil, "", err
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, "", errors.New("not ready after 60s")
	}
}

// waitReady polls /readyz as the admin until it answers 200: the port opens well
// before the RBAC bootstrap roles and other post-start hooks are in place.
func waitReady(server, pki string, stop <-chan struct{}) error {
	caPEM, err := os.ReadFile(filepath.Join(pki, "serving.crt"))
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	cert, err := tls.LoadX509KeyPair(filepath.Join(pki, "admin.crt"), filepath.Join(pki, "admin.key"))
	if err != nil {
		return err
	}
	hc := &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}},
	}
	for {
		if resp, err := hc.Get(server + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-stop:
			return errors.New("stopped before ready")
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// ensurePKI creates the certificates and keys once and reuses them on later
// starts, so kubeconfigs and tokens issued before a restart stay valid.
// admin.crt is written last: its presence means the set is complete.
func ensurePKI(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "admin.crt")); err == nil {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour) // tolerate small clock skew
	notAfter := now.AddDate(10, 0, 0)

	// Serving certificate: self-signed, so it is also the CA a client trusts.
	servingKey, err := newKey()
	if err != nil {
		return err
	}
	serving := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "kube-testbed-apiserver"},
		NotBefore:             now,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	if err := writeCert(dir, "serving", serving, serving, servingKey, servingKey); err != nil {
		return err
	}

	// Service-account token signing key pair.
	saKey, err := newKey()
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, "sa.key"), saKey); err != nil {
		return err
	}
	pub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.pub"), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), 0o600); err != nil {
		return err
	}

	// Client CA, and the admin it vouches for: system:masters bypasses RBAC.
	caKey, err := newKey()
	if err != nil {
		return err
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(2),
		Subject:               pkix.Name{CommonName: "kube-testbed-client-ca"},
		NotBefore:             now,
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
	}
	if err := writeCert(dir, "client-ca", ca, ca, caKey, caKey); err != nil {
		return err
	}
	adminKey, err := newKey()
	if err != nil {
		return err
	}
	admin := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "admin", Organization: []string{"system:masters"}},
		NotBefore:    now,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	return writeCert(dir, "admin", admin, ca, adminKey, caKey)
}

// ECDSA P-256 everywhere: generated in microseconds, and accepted by the
// apiserver for TLS, client certificates and service-account tokens (ES256).
func newKey() (*ecdsa.PrivateKey, error) { return ecdsa.GenerateKey(elliptic.P256(), rand.Reader) }

func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), 0o600)
}

func writeCert(dir, name string, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) error {
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		return err
	}
	if err := writeKey(filepath.Join(dir, name+".key"), key); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".crt"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
}

func writeKubeconfig(path, server, pki string) error {
	read := func(name string) []byte {
		b, _ := os.ReadFile(filepath.Join(pki, name))
		return b
	}
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["testbed"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: read("serving.crt")}
	cfg.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: read("admin.crt"), ClientKeyData: read("admin.key")}
	cfg.Contexts["testbed"] = &clientcmdapi.Context{Cluster: "testbed", AuthInfo: "admin"}
	cfg.CurrentContext = "testbed"
	return clientcmd.WriteToFile(*cfg, path)
}
