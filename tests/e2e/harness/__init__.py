# Test harness for the Sluice end-to-end suite: broker processes, raw protocol, real clients.
