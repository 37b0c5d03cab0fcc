"""The ARM control plane (Microsoft.CognitiveServices) for the engine's one account, in the same process."""
