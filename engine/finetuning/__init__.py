"""Simulated fine-tuning: jobs, events, checkpoints and results in SQLite, advanced by an asyncio scheduler."""
