module enclos.test/go

go 1.19
