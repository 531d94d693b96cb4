"""The KLIP engine for SOP LIP20-0008: pure Python, no Flask. See the README's code map for its packages."""
