// The registry of go-containerregistry (pkg/registry: an in-memory OCI distribution server, the one
// crane and ko test against), served on a loopback address for the differential suite
// (test/oracle). It prints "listening on ADDR" once the socket is bound, as distribution does.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "address to listen on")
	flag.Parse()
	listener, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen %s: %v", *addr, err)
	}
	fmt.Fprintf(os.Stderr, "listening on %s\n", listener.Addr())
	handler := registry.New(registry.Logger(log.New(os.Stdout, "", log.LstdFlags)))
	log.Fatal(http.Serve(listener, handler))
}
