"""The SOP document generated from the model (``make docs``): header, sections A–H, Permenpan-RB table.

Reads the BPMN (steps, actors, branches, Mutu Baku) and its ``.sop.json`` sidecar (header data); draws the
flowchart with ``engine.render``. Output is deterministic, so a test can tell when ``docs/`` is stale.
"""
from .document import DocsError, generate_docs, render_flowchart, render_html, render_markdown
from .model import Deadline, SopDocument, Step, build_document, load_document

__all__ = ["Deadline", "DocsError", "SopDocument", "Step", "build_document", "generate_docs", "load_document",
           "render_flowchart", "render_html", "render_markdown"]
