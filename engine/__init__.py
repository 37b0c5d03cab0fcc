"""The local engine: an Azure OpenAI-compatible service (data plane, files, fine-tuning, ARM) for Studio."""
