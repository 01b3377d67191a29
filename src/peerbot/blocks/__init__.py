"""Pure Block Kit builders: domain values in, {"text", "blocks"} out."""
