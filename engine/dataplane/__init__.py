"""The inference surface: /openai/deployments/{deployment}/... and /openai/models."""
