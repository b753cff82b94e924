"""Evidence workflows: the store's outcomes joined to scoring (book), the learned model kept in the
store (training), the sample book's outcome story (demo_outcomes) and the Evidence charts (figures).

The pure metrics live in :mod:`scoring.evidence`; this package only reads and writes the store.
"""
