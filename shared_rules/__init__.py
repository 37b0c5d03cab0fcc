"""Pure rules that Studio and the local engine both use: tokens, image tokens, datasets, prices, bounded JSON.

Nothing here imports Django or speaks HTTP, so the engine can count exactly as the estimator does without loading
Studio, and every rule is tested with plain tables of cases.
"""
