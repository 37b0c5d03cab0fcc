"""Real fine-tuning: LoRA on a GGUF chat model, in a process of its own, exported back to GGUF for llama.cpp."""
