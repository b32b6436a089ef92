"""Development tools kept out of the runtime package: demo data, synthetic lists, benchmarks."""
