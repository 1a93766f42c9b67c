module enclos.bench/gohttp

go 1.19
