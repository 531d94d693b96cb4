"""KLIP SOP LIP20-0008 engine: the only package that imports SpiffWorkflow."""
