"""The plan in each output format (one module per format)."""
