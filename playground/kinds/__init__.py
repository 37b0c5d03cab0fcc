"""The playgrounds for the other model kinds: completions, embeddings, images and audio.

Each module holds the plain service functions of one kind (checks, the upstream call, its usage record);
`views` holds the thin pages and JSON endpoints that call them.
"""
