module k8s-image-availability-exporter/test/registries/ggcr

go 1.25.0

require github.com/google/go-containerregistry v0.22.1
