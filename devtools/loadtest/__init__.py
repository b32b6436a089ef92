"""The load test (`make loadtest`): see bin/loadtest and README, "Load test"."""
